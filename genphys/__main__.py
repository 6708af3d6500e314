from genphys.cli import main

raise SystemExit(main())
