/// The few printf conversions ipvsadm's output uses, written out so the formatter needs neither
/// Foundation nor libc. Widths count UTF-8 bytes, as printf does.
enum PrintfColumns {
    /// `%-Ns`: `text` padded on the right with spaces to `width`; longer text is not cut.
    static func left(_ text: String, _ width: Int) -> String {
        let length = text.utf8.count
        return length >= width ? text : text + String(repeating: " ", count: width - length)
    }

    /// `%Ns` / `%Nu`: `text` padded on the left with spaces to `width`; longer text is not cut.
    static func right(_ text: String, _ width: Int) -> String {
        let length = text.utf8.count
        return length >= width ? text : String(repeating: " ", count: width - length) + text
    }

    /// `%Nu` for any unsigned value.
    static func right<T: BinaryInteger>(_ value: T, _ width: Int) -> String { right(String(value), width) }

    /// `%-Nu` / `%-Nd`.
    static func left<T: BinaryInteger>(_ value: T, _ width: Int) -> String { left(String(value), width) }

    /// What `buf[n] = '\0'` does to a C string: keep at most `count` bytes. Cuts only at a
    /// character boundary, so a (rare) non-ASCII host name never becomes invalid UTF-8.
    static func truncated(_ text: String, to count: Int) -> String {
        guard text.utf8.count > count else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > count { break }
            result.append(character)
            used += size
        }
        return result
    }

    /// ipvsadm's `print_largenum` (reference §2.2): a counter in a 9-column field. Without
    /// `exact`, values of 100 million and more are shown in decimal thousands (`K`), millions
    /// (`M`), billions (`G`) or trillions (`T`), truncated, in 8 columns plus the suffix. With
    /// `exact`, the full value right-justified in 9 columns, or one column wider than its digits
    /// when it has more than 8 (so a space always separates it from the previous field).
    static func largeNumber(_ value: UInt64, exact: Bool) -> String {
        if exact {
            let digits = String(value)
            return right(digits, digits.utf8.count <= 8 ? 9 : digits.utf8.count + 1)
        }
        if value < 100_000_000 { return right(value, 9) }
        if value < 1_000_000_000 { return right(value / 1_000, 8) + "K" }
        if value < 100_000_000_000 { return right(value / 1_000_000, 8) + "M" }
        if value < 100_000_000_000_000 { return right(value / 1_000_000_000, 8) + "G" }
        return right(value / 1_000_000_000_000, 8) + "T"
    }

    /// `%02d:%02d` of minutes and seconds: the expiry column of `-L -c` (reference §2.4).
    /// Minutes are not capped, so 6000 s prints `100:00`.
    static func minutesSeconds(_ seconds: UInt32) -> String {
        let minutes = seconds / 60
        let rest = seconds % 60
        return right2(minutes) + ":" + right2(rest)
    }

    private static func right2(_ value: UInt32) -> String {
        value < 10 ? "0" + String(value) : String(value)
    }
}
