/// The defences as they stand now: the mode each strategy is in after the last evaluation,
/// drop_packet's rate and the memory reading behind them (reference §4.12). What
/// `lvsadm --engine-stats` and the metrics show as `director_*`.
public struct DefenceStatus: Sendable, Hashable {
    public internal(set) var dropEntry: DefenceMode = .off
    public internal(set) var dropPacket: DefenceMode = .off
    public internal(set) var secureTCP: DefenceMode = .off
    /// drop_packet's rate now: one of every `dropRate` connection-starting packets is dropped;
    /// 0 drops nothing.
    public internal(set) var dropRate: UInt32 = 0
    /// The last reading of the available memory, in pages; nil before the first reading, when
    /// no automatic mode needed one, or when it could not be read.
    public internal(set) var availablePages: UInt64?

    /// The kernel's `drop_counter`: packets left until the next drop.
    var dropCounter: UInt32 = 0
    /// When the next once-a-second evaluation is due (nanoseconds); nil = at the next tick.
    var nextEvaluation: UInt64?
    /// The slab slot where drop_entry's sweep goes on next second.
    var sweepCursor = 0
    /// The slab slot where the entry cap's search for a victim goes on next time.
    var evictionCursor = 0
    /// The kernel's `todrop_counter[i]` for in_pkts i = 1…8 (index 0 unused).
    var dropEntryCounters: [UInt8] = Array(repeating: 0, count: 9)

    public init() {}
}
