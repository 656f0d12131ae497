import Testing

/// The connection sync end-to-end suites (`SyncLab`), one after the other: each runs two debug
/// lvsd with the packet engine, and a 2-core machine must not run several labs at once.
@Suite("Connection sync end to end", .serialized)
struct SyncEndToEndTests {}
