/// What one probe attempt found. Reasons start with the checker's keyword so a log line
/// stands alone: `HTTP_GET: status 503 (expected 200-299)`, `TCP_CHECK: connection refused`.
public enum ProbeResult: Sendable, Hashable {
    /// The attempt passed. `weight` is set only by MISC_CHECK with `misc_dynamic` and an exit
    /// code of 2…255 (weight = code − 2, reference §8.5).
    case success(detail: String, weight: Int32? = nil)
    case failure(reason: String)

    public var isSuccess: Bool {
        switch self {
        case .success: return true
        case .failure: return false
        }
    }

    /// The text shown as "last check result".
    public var text: String {
        switch self {
        case .success(let detail, _): return detail
        case .failure(let reason): return reason
        }
    }
}
