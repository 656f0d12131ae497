/// Where the director learns how much memory is available, for the automatic defence modes
/// (reference §4.12: "free pages + buffer pages"). The daemon reads /proc/meminfo; tests pass a
/// fake. The core never reads it itself (DESIGN.md §3).
public protocol AvailableMemoryReading: AnyObject {
    /// Available memory in pages now, or nil when it cannot be read (the automatic modes then
    /// see no shortage).
    func availablePages() -> UInt64?
}
