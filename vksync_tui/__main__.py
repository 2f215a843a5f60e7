from vksync_tui.cli import main

raise SystemExit(main())
