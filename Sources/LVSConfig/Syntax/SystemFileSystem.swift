#if canImport(Glibc)
    import Glibc

    /// The real file system, through glob(3) and open(2)/read(2). Files larger than
    /// `maximumFileSize` are refused, so a wrong include (a device, a huge log) cannot exhaust memory.
    public struct SystemFileSystem: ConfigurationFileSystem {
        public var maximumFileSize: Int

        public init(maximumFileSize: Int = 16 << 20) {
            self.maximumFileSize = maximumFileSize
        }

        public func read(path: String) -> Result<String, ConfigurationFileError> {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return .failure(ConfigurationFileError(Self.errnoText())) }
            defer { close(fd) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    return .failure(ConfigurationFileError(Self.errnoText()))
                }
                if count == 0 { break }
                bytes.append(contentsOf: chunk[0..<count])
                if bytes.count > maximumFileSize {
                    return .failure(ConfigurationFileError("file larger than \(maximumFileSize) bytes"))
                }
            }
            return .success(String(decoding: bytes, as: UTF8.self))
        }

        public func glob(pattern: String) -> [String] {
            var result = glob_t()
            defer { globfree(&result) }
            // No GLOB_NOCHECK: a pattern without matches gives nothing, and the reader warns.
            guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
            var paths: [String] = []
            for index in 0..<Int(result.gl_pathc) {
                if let cString = result.gl_pathv[index] { paths.append(String(cString: cString)) }
            }
            return paths.sorted()
        }

        private static func errnoText() -> String {
            guard let text = strerror(errno) else { return "error \(errno)" }
            return String(cString: text)
        }
    }
#endif
