// Target LVSHealthChecks: see docs/architecture.md.
