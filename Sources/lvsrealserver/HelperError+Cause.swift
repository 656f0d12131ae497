import Foundation

extension HelperError {
    /// A Foundation error in plain words: the POSIX error under it when there is one (`Permission
    /// denied`), since Foundation's own text on Linux can be a generic "operation could not be
    /// completed" that says nothing about the cause (issue 13: no raw library texts).
    static func cause(of error: any Error) -> String {
        let described = error as NSError
        if described.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(described.code))) }
        if let underlying = described.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return described.localizedDescription
    }
}
