from incident_comms.cli.main import main

raise SystemExit(main())
