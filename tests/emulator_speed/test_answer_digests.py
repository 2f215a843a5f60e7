"""The emulator's answers are byte-for-byte what they were before its answer paths were made cheaper.

`EXPECTED` was recorded from the unoptimised emulator (see `answer_sequence`) under `PYTHONHASHSEED=0`; a
digest that changes means an optimisation changed the bytes a client receives — a bug, not a new baseline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EXPECTED = {
    "00 wall.get admin @0": "135588e8f092cc8d4a036c5cba8d98e7eab5fe0054480473b18fb48ba5c3fb8f",
    "01 wall.get admin @100": "88ac2d547bf708d624fa75c66dc8a7057b223f68e3820397994027ba23d9c129",
    "02 wall.get admin @1500": "a9ad664fa46b68f6b636950294211207e5fa46c4022ec5f63ffed0d9736db3ed",
    "03 wall.get admin @2950": "65bdd1fdffa353b7e1ef003307d9c9e11fb9e62721b9d52d064961237279eac5",
    "04 wall.get service @0": "135588e8f092cc8d4a036c5cba8d98e7eab5fe0054480473b18fb48ba5c3fb8f",
    "05 wall.get extended": "8f47789e7a246b4e8a04337e9610186bd2e8ea00e0abb81844154504c1c23e87",
    "06 wall.get owner": "79cf9ff84b06b9438f472b37a09429dbdf1d8aba2b07b3d613cfbf2725024e23",
    "07 wall.get others": "4a12d9dceb6b48dcd2bcbf11c464cc80c18f4e0cf99c6bb9a5e735e61f5e20e4",
    "08 wall.get closed": "35492e29e2a9d38bd07edea8b7cd9962a4b88d64b9b502bc61b8365dc13d8e38",
    "09 wall.getById": "e109a12af5a6ad3181f0e24cfffdef724a96252d2b3edd00e88c0f0ca25c89bd",
    "10 reposts 1165@0": "6fc12cba6ba86e9f116b60ba4354f6071662f78c24402fa92aeb9555bb1b0ba6",
    "11 reposts 1165@1000": "ab5d882530f5498aa227945bd762c113d32d669dee9fe8519b7d1453a17cd1d2",
    "12 likes 1165": "fe361f8fc4559e6a0a9719ff5e7d1d5b1b5e131ae33d0d505a425db166dd65b2",
    "13 likes 1165@1000": "1167aa72d75569946f0fd240ffe23292fa9c02cf15138086901df0340ce0153c",
    "14 likes ext 1165": "515060add6659179d54cdb2ac96e185eca750612a448c5993121725393aa3c88",
    "15 copies 1165": "aad201ff58b61a061c7485efa850c4f268edc87844706640e2998ed1eb19ae50",
    "16 comments 1165": "7bfdda3eab573d05e3305db1bdc9daf24efe871bf2cc4b87e5fb091a21ed3acc",
    "17 comments 1165@100": "8d288cd40698e6eb7750e517b30570e497bde21cfa3fa065e7bde0994e71ff7c",
    "18 comments desc 1165": "3c0a01fc7549cfa9f232bb977a73bd15f9538c176614bfc8983805232f03edcc",
    "19 reposts 2107@0": "7713aa50d4460aef717162cb0c921ae9442d66dd43138d2ebfa3f7d0c5b5ed21",
    "20 reposts 2107@1000": "d7695ef7022b71ad22de8163ac4ca7b59833cc5ab1ae6e00e8ba9fefc5d8b08d",
    "21 likes 2107": "0aac19f1f317f362201ce6020fa045b92f179d6fd57ea0686accc19978551284",
    "22 likes 2107@1000": "4ff798aa5d408c302868a8374dd63b5bbdd9cd08e566398d3571400fe84a2449",
    "23 likes ext 2107": "5df174af8ba95c582d8dd5579239f25e0085edec3f925f2ea52b9a2728cd328d",
    "24 copies 2107": "06e216246fb28936501ca7cbcd92a4d884c3de441b92e5529f1003259d6faaec",
    "25 comments 2107": "b14a7fbb86911bb03746cd5ec60ef5cdcd351abd2953a4a6a559a6a197092b12",
    "26 comments 2107@100": "35a1a239b074eb042832140bfb84d7d8b540e804248ca6e32db02e05810285e4",
    "27 comments desc 2107": "6bf57e870c19af5febe2afcf9dca6f48bad5afaa7c703aa5ae8db7f2fee85721",
    "28 comments 1873": "c20a474d5dd9d1eebc163baedb96de86b9f3d9cbe464103fee0f9ecb34e2aa13",
    "29 thread": "c9772e1b89ce4cf442b5fd444ed277e0a8f8808412cdab9cce8af944a6630a93",
    "30 users.get profile fields": "37a6418354789b89f7674bf79393f25e6ddf13dc2a76f1382c2cfb0e604493ba",
    "31 users.get all fields": "ca3f2c4758a98a398b4f8af50dabdb4bf65ced6850625dfa34394694710e4760",
    "32 users.get no fields": "a3ef63ab0bfc072049981cfb5881895ef8269db93c40cfbaf20652f9bd077dc8",
    "33 members with fields": "aabfd7382b8a7b0ea1573eade66b9c1c4692ca408281740530866d36863f2d6f",
    "34 fresh analysis execute": "b80c45a9e918e64dcb2df54f5470abca028bd9c52b466334edf8c5bf3c22953d",
    "35 fresh history": "9b5a6419347405986c273650d2cb4a2099cb9b65985cd15cd4c5133661cc4842",
    "36 fresh history anchored": "ad7b4d6d572baaa6791a09d7659e6dae4b5ea0d92fb5450795837b9fc3415556",
    "37 fresh conversations": "5eec2373997c7ce8f43b1b49cb46703d3c807b12e1a55bdb3f2b0d345aecc347",
    "38 fresh unanswered": "0f20b4a26ab83dd085c9f5704136b4027da625b25594ae6946abfc7e38e4693f",
    "39 mutating script": "ad522d9950c48ce4df94b8846d128011f5d6505668f406b86a65543481266a19",
    "40 after mutation wall.get": "4908fa36e8a3e4829c4fbcf8ad57279e6143a9012fc5d61847e0b8ee5df566c8",
    "41 after mutation users.get": "0e510ba1d7465c9315f740eba52c46ad494e73ed01def04c2001729104dfb5fc",
    "42 after mutation reposts": "511bed225ced18730101c727bf2a4b9f44f90aa9b075e3f499e7acf5ae214690",
    "43 after mutation comments": "991a9c4b2a63e717ffe757c8f7e824ced6a661891dd5a35461591372d6d9ac51",
    "44 after add_posts wall.get @0": "191966693ebdd6e417d17ee85c328cbc693d1e88f8a30600ff19574134c7177c",
    "45 after add_posts wall.get @100": "8f2a5b120480202d20fb87e5df49172f95d947cb34613becfe8925c57caa20fc",
    "46 after add_likes wall.get @0": "6d82b0685ed1d2582b96b4c43cc44cc4432ec829833b3a009ca2359c53500a00",
    "47 after add_likes wall.get @1000": "154a26463ca915a55d562ce11b21cf9369c7178d9039a04f7a174a65d60fabc1",
    "48 after add_likes likes": "f983e4efe6b83fca25d24e81243b5d9fed24d3feaf19209ff25e7797da66b3fd",
    "49 after add_likes getById": "085a3d4e325789a4456df0465700dc6fa2dbab98c37377f09f4e80559aa60a99",
    "50 after churn users": "8f1404130c254a9edb1d80d5667077f5734a8730261917abb4684821d99ba64e",
    "51 after churn members": "ae4541f6688a151fc8bcb2ebffec4242cbe9dbb2f3053e6562fff0f4d1c3cf6b",
    "52 after churn wall.get": "d0d6c8d3625b0abccd395cc89b9e249e639d5edac41626f222e07daad3987401",
    "53 after churn analysis": "714ff8b7fd81beade2c24aa05b49145bd84c60d3ef1c4efdf7378e3b618535c7",
    "54 later analysis execute": "b80c45a9e918e64dcb2df54f5470abca028bd9c52b466334edf8c5bf3c22953d",
    "55 later history": "9b5a6419347405986c273650d2cb4a2099cb9b65985cd15cd4c5133661cc4842",
    "56 later history anchored": "ad7b4d6d572baaa6791a09d7659e6dae4b5ea0d92fb5450795837b9fc3415556",
    "57 later conversations": "5eec2373997c7ce8f43b1b49cb46703d3c807b12e1a55bdb3f2b0d345aecc347",
    "58 later unanswered": "0f20b4a26ab83dd085c9f5704136b4027da625b25594ae6946abfc7e38e4693f",
    "59 wall.get admin @0": "6d82b0685ed1d2582b96b4c43cc44cc4432ec829833b3a009ca2359c53500a00",
    "60 wall.get admin @100": "eefe7192df9b7c01dc52f3b74f28b0f70a39d765d580a55994ba50353f97f033",
    "61 wall.get admin @1500": "e237b35fc14df2e583cbd3fa3873006b3d622efd86454d5e35510b15fa87268b",
    "62 wall.get admin @2950": "9677f50a46e2815ad28c41fd1765dac5c5f99f59466bdebf53328c4a22d4843e",
    "63 wall.get service @0": "10dd3a26f99a6e959d7769de6c0874f19d3fbfc087c747fa5885e4a2cecf7f7a",
    "64 wall.get extended": "05c2af026420fd023c6b9a563b500b03007769f1be2be5d9d95d8d3794ddae46",
    "65 wall.get owner": "c1242fcb13fd1ac5225219651d72ef55a526072bc1a5af9e2ed668a396c35f0a",
    "66 wall.get others": "29dd843530096f1c1aba86f25864dd6a40d15c53536f9e6e2fa7341700d5a913",
    "67 wall.get closed": "35492e29e2a9d38bd07edea8b7cd9962a4b88d64b9b502bc61b8365dc13d8e38",
    "68 wall.getById": "ff7c8865ceab9dbd2855a77cf26d9f915abae9cae470887c3ddfcaafe55abdcb",
    "69 reposts 1165@0": "6fc12cba6ba86e9f116b60ba4354f6071662f78c24402fa92aeb9555bb1b0ba6",
    "70 reposts 1165@1000": "ab5d882530f5498aa227945bd762c113d32d669dee9fe8519b7d1453a17cd1d2",
    "71 likes 1165": "fe361f8fc4559e6a0a9719ff5e7d1d5b1b5e131ae33d0d505a425db166dd65b2",
    "72 likes 1165@1000": "1167aa72d75569946f0fd240ffe23292fa9c02cf15138086901df0340ce0153c",
    "73 likes ext 1165": "4a5bbf452ce508a27528992c691ed967a284c1ea5c0a79a53c204372372d0d49",
    "74 copies 1165": "aad201ff58b61a061c7485efa850c4f268edc87844706640e2998ed1eb19ae50",
    "75 comments 1165": "5af76909bac671a1008cba3bb69eb4eeef1a4a33469d60015d2e4f1affe0020d",
    "76 comments 1165@100": "8d288cd40698e6eb7750e517b30570e497bde21cfa3fa065e7bde0994e71ff7c",
    "77 comments desc 1165": "3c0a01fc7549cfa9f232bb977a73bd15f9538c176614bfc8983805232f03edcc",
    "78 reposts 2107@0": "7713aa50d4460aef717162cb0c921ae9442d66dd43138d2ebfa3f7d0c5b5ed21",
    "79 reposts 2107@1000": "d7695ef7022b71ad22de8163ac4ca7b59833cc5ab1ae6e00e8ba9fefc5d8b08d",
    "80 likes 2107": "31c6799035a84633be76a3385ad39c86b3308190e060501464e6ca31bb55a498",
    "81 likes 2107@1000": "0747b35c2606336066f7e7ef160866b453507af326f78d582387d5f7c592bbb0",
    "82 likes ext 2107": "545350549eba6a58b60baa87bed71aaef49eef5ba68e00ea8668539ab650c5b4",
    "83 copies 2107": "06e216246fb28936501ca7cbcd92a4d884c3de441b92e5529f1003259d6faaec",
    "84 comments 2107": "bcc0f829b0db4158897045bc14d84d7201aff43f2c2479a574ce70ba248f5836",
    "85 comments 2107@100": "35a1a239b074eb042832140bfb84d7d8b540e804248ca6e32db02e05810285e4",
    "86 comments desc 2107": "6bf57e870c19af5febe2afcf9dca6f48bad5afaa7c703aa5ae8db7f2fee85721",
    "87 comments 1959": "ffd897b5c7df5fa8aa5d5e3ad4117f10703f53638032abd02d14e0283b55b69e",
    "88 error wall.get bad filter": "78506f4182478ad7a9af4ea1490fdcfeb4395ca180ba8987fc739b88984526a2",
    "89 error reposts not admin": "3d605fb1fe4d648e015a93808593d02df8151194fcbaf5b3b9de53f2366a40ba",
    "90 error comments bad post": "8ce890ee36e69f105242da4f795e4fddc31058f1be663d0eb921d52f8ede071e",
    "91 error execute inner": "9dd306eb7ea6bc0123d981395dfdf564384ae7b75846c08d702859a3d6988946",
}
ROOT = Path(__file__).resolve().parents[2]


def test_every_answer_is_byte_identical_to_the_recorded_one() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    completed = subprocess.run(
        [sys.executable, "-m", "tests.emulator_speed.answer_sequence"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True,
    )
    actual = json.loads(completed.stdout)
    assert list(actual) == list(EXPECTED)
    changed = [step for step, digest in EXPECTED.items() if actual[step] != digest]
    assert not changed, f"answers changed: {changed}"
