from closergym.cli import main

raise SystemExit(main())
