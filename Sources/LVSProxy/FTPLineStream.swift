import LVSFTP

/// One direction of an FTP control connection through the proxy engine: bytes read but not yet
/// a whole line, and the (possibly rewritten) bytes waiting to be written
/// (docs/design/0007-proxy-engine.md, "FTP").
///
/// Unlike the packet engine, which sees one segment at a time (reference §6), the proxy reads a
/// byte stream: a line split across reads is kept until its end arrives, up to
/// `FTPControlParser.maximumLineLength` bytes. A longer line is passed on untouched, in pieces,
/// and never parsed (its tail does not start a line).
struct FTPLineStream {
    /// Bytes of the current, unfinished line.
    private(set) var pending: [UInt8] = []
    /// Bytes to write to the other side, from `written` on.
    private(set) var output: [UInt8] = []
    private(set) var written = 0
    /// The current line passed the length limit: its rest goes on untouched.
    private(set) var passingLongLine = false

    /// True while bytes wait to be written.
    var hasOutput: Bool { written < output.count }

    /// Adds bytes read from the socket.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        pending.append(contentsOf: bytes)
    }

    /// The next complete line (with its LF) to inspect; lines of an over-long line and the
    /// over-long prefix itself go straight to `output`. Nil when no whole line is pending.
    mutating func nextLine() -> [UInt8]? {
        while true {
            guard let end = pending.firstIndex(of: 0x0A) else {
                if pending.count > FTPControlParser.maximumLineLength {
                    output.append(contentsOf: pending)
                    pending.removeAll(keepingCapacity: true)
                    passingLongLine = true
                }
                return nil
            }
            let line = Array(pending[...end])
            pending.removeFirst(end + 1)
            if passingLongLine {
                passingLongLine = false
                output.append(contentsOf: line)
                continue
            }
            return line
        }
    }

    /// Queues a line (as read or rewritten) for writing.
    mutating func emit(_ line: [UInt8]) {
        output.append(contentsOf: line)
    }

    /// At end of file: an unfinished last line goes on as it is.
    mutating func flushPending() {
        output.append(contentsOf: pending)
        pending.removeAll()
    }

    /// The bytes still to write.
    func withUnwritten<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        output.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[written...])) }
    }

    /// `count` bytes of the output were written.
    mutating func wrote(_ count: Int) {
        written += count
        if written >= output.count {
            output.removeAll(keepingCapacity: true)
            written = 0
        }
    }
}
