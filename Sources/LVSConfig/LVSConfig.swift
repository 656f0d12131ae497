// Target LVSConfig: see docs/architecture.md.
