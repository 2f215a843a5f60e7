"""Typed VK errors, so callers decide by class (or code) and never by parsing messages.

Two families: `TransientError` (the request may well succeed if repeated, perhaps with another token: network
faults, HTTP errors, garbled bodies) and `VkApiError` (VK answered with an error envelope; `code` says why).
Every message passes through `secrets.redact`, so printing or logging any of these never leaks a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from vksync_tui.config import DEFAULT_API_URL
from vksync_tui.secrets import redact


class VkError(Exception):
    """Base of every error the VK layer raises; `str()` never contains a registered token."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def reason(self) -> str:
        return str(self)


class TransientError(VkError):
    """HTTP 4xx/5xx, timeout, connection reset, non-JSON / empty / truncated body, or a malformed envelope."""


class UnreadableAnswer(TransientError):
    """The API answered, but not in JSON: an HTML error page, a plain-text error or a cut (or empty) body.

    Besides passing backend trouble, this is how VK's front end answers a request whose answer grew too big:
    a 404/500 HTML page or a body that is not JSON instead of error 13
    (https://github.com/Dementiy/vkR/issues/23, https://github.com/negezor/vk-io/issues/436), so the engine
    reads a repeat of it for the same batch as "ask for less at a time".
    """


class ApiUrlError(VkError):
    """The configured API URL does not answer as the VK API: a redirect, or an answer that is not VK's.

    A configuration problem, not a passing fault: retrying cannot help, so it ends the run with one line that
    names the URL (scheme, host and path only) and says what to change.
    """

    def __init__(self, api_url: str, problem: str) -> None:
        self.api_url = api_url
        super().__init__(
            f"the API URL {api_url} does not answer as the VK API: {problem}; set api_url in config.toml "
            f"(or VKSYNC_API_URL) to VK's API address, {DEFAULT_API_URL}"
        )


class Cancelled(VkError):
    """The operation stopped waiting because the caller's cancel event was set."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class VkApiError(VkError):
    code: int = 0

    def __init__(self, code: int, message: str, method: str = "", subcode: int | None = None) -> None:
        self.code = code
        self.message = redact(message)
        self.method = method
        self.subcode = subcode
        where = f" in {method}" if method else ""
        super().__init__(f"VK error {code}{where}: {self.message}")


class UnknownError(VkApiError):
    code = 1


class AuthError(VkApiError):
    code = 5


class TooManyRequests(VkApiError):
    code = 6


class FloodControl(VkApiError):
    code = 9


class InternalError(VkApiError):
    code = 10


class CompileError(VkApiError):
    code = 12


class RuntimeError_(VkApiError):
    code = 13


class Captcha(VkApiError):
    code = 14


class AccessDenied(VkApiError):
    code = 15


class UserDeleted(VkApiError):
    code = 18


class GroupAuthFailed(VkApiError):
    code = 27


class AppAuthFailed(VkApiError):
    code = 28


class RateLimitReached(VkApiError):
    code = 29


class PrivateProfile(VkApiError):
    code = 30


class ParamError(VkApiError):
    code = 100


class InvalidUserId(VkApiError):
    code = 113


class InvalidGroupId(VkApiError):
    code = 125


class AccessToGroupDenied(VkApiError):
    code = 203


class RepliesAccessDenied(VkApiError):
    code = 212


class ChatNoAccess(VkApiError):
    code = 917


_BY_CODE: dict[int, type[VkApiError]] = {
    cls.code: cls
    for cls in (
        UnknownError, AuthError, TooManyRequests, FloodControl, InternalError, CompileError, RuntimeError_,
        Captcha, AccessDenied, UserDeleted, GroupAuthFailed, AppAuthFailed, RateLimitReached, PrivateProfile,
        ParamError, InvalidUserId, InvalidGroupId, AccessToGroupDenied, RepliesAccessDenied, ChatNoAccess,
    )
}



class Fault(Enum):
    """What an error code says, for whoever decides what to do next: the token, the moment, or the request."""

    TOKEN_DEAD = "token dead"  # the token will not work again until its owner acts: stop using it, say why
    TOKEN_THROTTLED = "token throttled"  # this token is over a limit for now (29: for one method, for a day)
    TRY_AGAIN = "try again"  # the call may work later, or with another token
    REFUSED = "refused"  # VK refused the request itself: no token and no retry changes that


_DEAD, _THROTTLED, _AGAIN, _REFUSED = Fault.TOKEN_DEAD, Fault.TOKEN_THROTTLED, Fault.TRY_AGAIN, Fault.REFUSED

# Every code of VK's error list (the official schema's errors.json, API 5.199), decided by its description (at
# the end of each line; a note above says why where the description alone does not). Codes of methods this
# tool never calls (market, ads, sending messages) are refusals of the request, like any other.
FAULTS: Mapping[int, Fault] = {
    1: _AGAIN,        # Unknown error occurred
    # The token's app:
    2: _DEAD,         # Application is disabled. Enable your application or use test mode
    3: _REFUSED,      # Unknown method passed
    # A token that must sign its calls; this client does not sign:
    4: _DEAD,         # Incorrect signature
    # Revoked, expired without `offline`, or mistyped:
    5: _DEAD,         # User authorization failed
    6: _THROTTLED,    # Too many requests per second
    # This token lacks the scope or right; another may have it:
    7: _AGAIN,        # Permission to perform this action is denied
    8: _REFUSED,      # Invalid request
    9: _THROTTLED,    # Flood control
    10: _AGAIN,       # Internal server error
    # The token's app is in test mode:
    11: _DEAD,        # In test mode application should be disabled or user should be authorized
    12: _REFUSED,     # Unable to compile code
    # Smaller batches may pass: the engine splits them:
    13: _AGAIN,       # Runtime error occurred during code invocation
    # Nobody is there to solve it: the token pauses:
    14: _THROTTLED,   # Captcha needed
    15: _REFUSED,     # Access denied
    # The token cannot be used over this connection:
    16: _DEAD,        # HTTP authorization failed
    # Its owner must confirm the account in a browser:
    17: _DEAD,        # Validation required
    18: _REFUSED,     # User was deleted or banned
    19: _REFUSED,     # Content blocked
    # A token of a standalone app may:
    20: _AGAIN,       # Permission to perform this action is denied for non-standalone applications
    # A token of a standalone app may:
    21: _AGAIN,       # Permission to perform this action is allowed only for standalone and OpenAPI
                      # applications
    22: _REFUSED,     # Upload error
    23: _REFUSED,     # This method was disabled
    24: _REFUSED,     # Confirmation required
    25: _DEAD,        # Token confirmation required
    # A community token on a method it cannot call: another kind can:
    27: _AGAIN,       # Group authorization failed
    # A service key on a method it cannot call: another kind can:
    28: _AGAIN,       # Application authorization failed
    # This token's quota of this method, until the next day:
    29: _THROTTLED,   # Rate limit reached
    30: _REFUSED,     # This profile is private
    32: _AGAIN,       # Need wait
    33: _REFUSED,     # Not implemented yet
    34: _REFUSED,     # Client version deprecated
    35: _REFUSED,     # Client update needed
    36: _AGAIN,       # Method execution was interrupted due to timeout
    # Whose ban it is is not said: another token tells:
    37: _AGAIN,       # User was banned
    # The token's app:
    38: _DEAD,        # Unknown application
    39: _REFUSED,     # Unknown user
    40: _REFUSED,     # Unknown group
    41: _DEAD,        # Additional signup required
    # The token's app accepts calls from its listed addresses only:
    42: _DEAD,        # IP is not allowed
    43: _AGAIN,       # This section is temporary unavailable
    100: _REFUSED,    # One of the parameters specified was missing or invalid
    101: _REFUSED,    # Invalid application API ID
    103: _REFUSED,    # Out of limits
    104: _REFUSED,    # Not found
    105: _REFUSED,    # Couldn't save file
    106: _REFUSED,    # Unable to process action
    113: _REFUSED,    # Invalid user id
    114: _REFUSED,    # Invalid album id
    118: _REFUSED,    # Invalid server
    119: _REFUSED,    # Invalid title
    121: _REFUSED,    # Invalid hash
    122: _REFUSED,    # Invalid photos
    125: _REFUSED,    # Invalid group id
    129: _REFUSED,    # Invalid photo
    140: _REFUSED,    # Page not found
    141: _REFUSED,    # Access to page denied
    146: _REFUSED,    # The mobile number of the user is unknown
    147: _REFUSED,    # Application has insufficient funds
    150: _REFUSED,    # Invalid timestamp
    171: _REFUSED,    # Invalid list id
    173: _REFUSED,    # Reached the maximum number of lists
    174: _REFUSED,    # Cannot add user himself as friend
    175: _REFUSED,    # Cannot add this user to friends as they have put you on their blacklist
    176: _REFUSED,    # Cannot add this user to friends as you put him on blacklist
    177: _REFUSED,    # Cannot add this user to friends as user not found
    180: _REFUSED,    # Note not found
    181: _REFUSED,    # Access to note denied
    182: _REFUSED,    # You can't comment this note
    183: _REFUSED,    # Access to comment denied
    200: _REFUSED,    # Access denied
    201: _REFUSED,    # Access denied
    203: _REFUSED,    # Access to group denied
    204: _REFUSED,    # Access denied
    205: _REFUSED,    # Access denied
    210: _REFUSED,    # Access to wall's post denied
    211: _REFUSED,    # Access to wall's comment denied
    212: _REFUSED,    # Access to post comments denied
    213: _REFUSED,    # Access to status replies denied
    214: _REFUSED,    # Access to adding post denied
    219: _REFUSED,    # Advertisement post was recently added
    220: _REFUSED,    # Too many recipients
    221: _REFUSED,    # User disabled track name broadcast
    222: _REFUSED,    # Hyperlinks are forbidden
    223: _REFUSED,    # Too many replies
    224: _REFUSED,    # Too many ads posts
    225: _REFUSED,    # Donut is disabled
    232: _REFUSED,    # Reaction can not be applied to the object
    242: _REFUSED,    # Too many friends
    243: _REFUSED,    # Comment has not been deleted
    250: _REFUSED,    # Access to poll denied
    251: _REFUSED,    # Invalid poll id
    252: _REFUSED,    # Invalid answer id
    253: _REFUSED,    # Access denied, please vote first
    260: _REFUSED,    # Access to the groups list is denied due to the user's privacy settings
    300: _REFUSED,    # This album is full
    302: _REFUSED,    # Albums number limit is reached
    500: _REFUSED,    # Permission denied. You must enable votes processing in application settings
    600: _REFUSED,    # Permission denied. You have no access to operations specified with given object(s)
    # This token, until the next day:
    601: _THROTTLED,  # Permission denied. You have requested too many actions this day. Try later.
    602: _REFUSED,    # Some part of the request has not been completed
    603: _REFUSED,    # Some ads error occurs
    629: _REFUSED,    # Object deleted
    630: _REFUSED,    # Lookalike request with same source already in progress
    631: _REFUSED,    # Max count of lookalike requests per day reached
    632: _REFUSED,    # Given audience is too small
    633: _REFUSED,    # Given audience is too large
    634: _REFUSED,    # Lookalike request audience save already in progress
    635: _REFUSED,    # Max count of lookalike request audience saves per day reached
    636: _REFUSED,    # Max count of retargeting groups reached
    700: _REFUSED,    # Cannot edit creator role
    701: _REFUSED,    # User should be in club
    702: _REFUSED,    # Too many officers in club
    703: _REFUSED,    # You need to enable 2FA for this action
    704: _REFUSED,    # User needs to enable 2FA for this action
    706: _REFUSED,    # Too many addresses in club
    711: _REFUSED,    # Application is not installed in community
    714: _REFUSED,    # Invite link is invalid - expired, deleted or not exists
    800: _REFUSED,    # This video is already added
    801: _REFUSED,    # Comments for this video are closed
    900: _REFUSED,    # Can't send messages for users from blacklist
    901: _REFUSED,    # Can't send messages for users without permission
    902: _REFUSED,    # Can't send messages to this user due to their privacy settings
    907: _REFUSED,    # Value of ts or pts is too old
    908: _REFUSED,    # Value of ts or pts is too new
    909: _REFUSED,    # Can't edit this message, because it's too old
    910: _REFUSED,    # Can't sent this message, because it's too big
    911: _REFUSED,    # Keyboard format is invalid
    912: _REFUSED,    # This is a chat bot feature, change this status in settings
    913: _REFUSED,    # Too many forwarded messages
    914: _REFUSED,    # Message is too long
    917: _REFUSED,    # You don't have access to this chat
    919: _REFUSED,    # You can't see invite link for this chat
    920: _REFUSED,    # Can't edit this kind of message
    921: _REFUSED,    # Can't forward these messages
    922: _REFUSED,    # You left this chat
    924: _REFUSED,    # Can't delete this message for everybody
    925: _REFUSED,    # You are not admin of this chat
    927: _REFUSED,    # Chat does not exist
    931: _REFUSED,    # You can't change invite link for this chat
    932: _REFUSED,    # Your community can't interact with this peer
    935: _REFUSED,    # User not found in chat
    936: _REFUSED,    # Contact not found
    939: _REFUSED,    # Message request already sent
    940: _REFUSED,    # Too many posts in messages
    942: _REFUSED,    # Cannot pin one-time story
    943: _REFUSED,    # Cannot use this intent
    944: _REFUSED,    # Limits overflow for this intent
    945: _REFUSED,    # Chat was disabled
    946: _REFUSED,    # Chat not supported
    947: _REFUSED,    # Can't add user to chat, because user has no access to group
    949: _REFUSED,    # Can't edit pinned message yet
    950: _REFUSED,    # Can't send message, reply timed out
    962: _REFUSED,    # You can't access donut chat without subscription
    969: _REFUSED,    # Message cannot be forwarded
    970: _REFUSED,    # Cannot pin an expiring message
    985: _REFUSED,    # Cannot write to notifications only groups
    987: _REFUSED,    # Need message request
    988: _REFUSED,    # Pending message request
    990: _REFUSED,    # Drop device cache
    1009: _REFUSED,   # Unknown reaction passed
    1010: _REFUSED,   # This reaction has been disabled
    1011: _REFUSED,   # Reactions limit for this message has been reached
    1012: _REFUSED,   # Writing is disabled for this chat
    1105: _THROTTLED, # Too many auth attempts, try again later
    1114: _DEAD,      # Anonymous token has expired
    1116: _DEAD,      # Anonymous token is invalid
    1117: _DEAD,      # Access token has expired
    1118: _DEAD,      # Anonymous token ip mismatch
    1150: _REFUSED,   # Invalid document id
    1151: _REFUSED,   # Access to document deleting is denied
    1152: _REFUSED,   # Invalid document title
    1153: _REFUSED,   # Access to document is denied
    1154: _REFUSED,   # Access to document restoring is denied
    1155: _REFUSED,   # Document was deleted too long ago
    1160: _REFUSED,   # Original photo was changed
    1170: _REFUSED,   # Too many feed lists
    1251: _REFUSED,   # This achievement is already unlocked
    1256: _REFUSED,   # Subscription not found
    1257: _REFUSED,   # Subscription is in invalid status
    1260: _REFUSED,   # Invalid screen name
    1400: _REFUSED,   # Too late for restore
    1401: _REFUSED,   # Comments for this market are closed
    1402: _REFUSED,   # Album not found
    1403: _REFUSED,   # Item not found
    1404: _REFUSED,   # Item already added to album
    1405: _REFUSED,   # Too many items
    1406: _REFUSED,   # Too many items in album
    1407: _REFUSED,   # Too many albums
    1408: _REFUSED,   # Item has bad links in description
    1409: _REFUSED,   # Extended market not enabled
    1410: _REFUSED,   # Variants not enabled
    1411: _REFUSED,   # Variants error
    1412: _REFUSED,   # Grouping items with different properties
    1413: _REFUSED,   # Grouping already has such variant
    1414: _REFUSED,   # Grouping has other properties
    1415: _REFUSED,   # Grouping must have variants
    1416: _REFUSED,   # Variant not found
    1417: _REFUSED,   # Property not found
    1418: _REFUSED,   # Max properties limit exceeded
    1419: _REFUSED,   # Max variant limit exceeded
    1421: _REFUSED,   # Name too long
    1423: _REFUSED,   # Variant value is too long
    1424: _REFUSED,   # Unknown property type
    1425: _REFUSED,   # Grouping must have two or more items
    1426: _REFUSED,   # Item must have distinct properties
    1427: _REFUSED,   # Cart is empty
    1429: _REFUSED,   # Specify width, length, height and weight all together
    1430: _REFUSED,   # VK Pay status can not be changed
    1431: _REFUSED,   # Market was already enabled in this group
    1432: _REFUSED,   # Market was already disabled in this group
    1433: _REFUSED,   # Invalid image crop format
    1434: _REFUSED,   # Crop bottom right corner is outside of the image
    1435: _REFUSED,   # Crop size is less than the minimum
    1436: _REFUSED,   # Order not found
    1438: _REFUSED,   # Market not enabled
    1446: _REFUSED,   # Main album can not be hidden
    1456: _REFUSED,   # Order status is invalid
    1457: _REFUSED,   # Failed to set album as main
    1458: _REFUSED,   # Failed to unset album as main
    1518: _REFUSED,   # Item is not deleted
    1525: _REFUSED,   # Market is disabled
    1526: _REFUSED,   # Market services are disabled
    1600: _REFUSED,   # Story has already expired
    1602: _REFUSED,   # Incorrect reply privacy
    1900: _REFUSED,   # Card not found
    1901: _REFUSED,   # Too many cards
    1902: _REFUSED,   # Card is connected to post
    2000: _REFUSED,   # Servers number limit is reached
    2100: _REFUSED,   # Stickers are not purchased
    2101: _REFUSED,   # Too many favorite stickers
    2102: _REFUSED,   # Stickers are not favorite
    3102: _REFUSED,   # Specified link is incorrect (can't find source)
    # Like 14: nobody is there to solve it, the token pauses:
    3300: _THROTTLED, # Recaptcha needed
    3301: _DEAD,      # Phone validation needed
    3302: _DEAD,      # Password validation needed
    3303: _DEAD,      # Otp app validation needed
    3304: _DEAD,      # Email confirmation needed
    3305: _REFUSED,   # Assert votes
    # The owner must authorize again:
    3609: _DEAD,      # Token extension required
    # The token's owner (a deactivated user in an answer is a `deactivated` field, not an error):
    3610: _DEAD,      # User is deactivated
    # The token's owner:
    3611: _DEAD,      # Service is deactivated for user
    3800: _REFUSED,   # Can't set AliExpress tag to this type of object
    9999: _REFUSED,   # Not supported http method
    11003: _REFUSED,  # Empty filter params
    11004: _REFUSED,  # Empty snippet data
    11005: _REFUSED,  # Too many snippets
    11006: _REFUSED,  # Not found snippet
    11101: _REFUSED,  # Can't translate.
    11102: _REFUSED,  # Multiple source languages. Only one allowed.
    # Its owner must confirm an action in a browser:
    11500: _DEAD,     # CheckUserAction confirmation required
}
# Codes that say the request itself cannot succeed, whichever token sends it.
REQUEST_ERROR_CODES = frozenset(code for code, fault in FAULTS.items() if fault is Fault.REFUSED)


def fault_of(code: int) -> Fault:
    """The class of a VK error code. A code VK adds later is "try again": bounded retries on other tokens,
    never a refusal that would drop the call's data, nor a token condemned for it."""
    return FAULTS.get(code, Fault.TRY_AGAIN)


def error_for_code(code: int) -> type[VkApiError]:
    return _BY_CODE.get(code, VkApiError)


def make_api_error(code: int, message: str, method: str = "", subcode: int | None = None) -> VkApiError:
    return error_for_code(code)(code, message, method, subcode)


def is_token_fault(error: BaseException) -> bool:
    """Would another token (or the same one later) plausibly succeed where this one failed?

    Yes for transport trouble and for every code but VK's refusals of the request; a configuration error
    (`ApiUrlError`) and a cancellation are no token's fault."""
    if isinstance(error, TransientError):
        return True
    return isinstance(error, VkApiError) and fault_of(error.code) is not Fault.REFUSED
