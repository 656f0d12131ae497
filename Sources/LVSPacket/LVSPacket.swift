// Target LVSPacket: see docs/architecture.md.
