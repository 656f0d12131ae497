/// Lines of `-R` input (reference §1.9).
public enum RestoreInput {
    /// Splits one input line into arguments as ipvsadm 1.31 does: words are separated by
    /// spaces, tabs, carriage returns (and newlines), and every word exactly equal to `ipvsadm`
    /// is dropped, so `ipvsadm -A -t ...` lines work. A blank line gives `[]`, which the caller
    /// skips. There is no quoting and no `#` comment (ipvsadm's comment handling never fires;
    /// `ipvsadm-restore` strips `#` lines before piping).
    public static func tokenize(line: String) -> [String] {
        line.unicodeScalars
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
            .map { String(String.UnicodeScalarView($0)) }
            .filter { $0 != "ipvsadm" }
    }
}
