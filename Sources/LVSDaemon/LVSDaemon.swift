// Target LVSDaemon: see docs/architecture.md.
