from incident_comms.cli import main

raise SystemExit(main())
