from migcheck.cli import main

raise SystemExit(main())
