// Target LVSPacketEngine: see docs/architecture.md.
