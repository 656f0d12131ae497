import Testing

@testable import IPVSAdmin

@Suite struct OptionMatrixTests {
    @Test func everyRowHasOneRulePerColumn() {
        for command in CommandKind.allCases {
            #expect(OptionMatrix.rows[command]?.count == OptionColumn.allCases.count, "\(command.name)")
        }
        #expect(OptionColumn.allCases.count == 37)
    }

    @Test func jsonIsLegalOnlyWithList() {
        for command in CommandKind.allCases {
            #expect(OptionMatrix.rule(command, .json) == (command == .list ? "o" : "x"))
        }
    }

    @Test func spotChecksAgainstReferenceTable() {
        #expect(OptionMatrix.rule(.addService, .serviceAddress) == "+")
        #expect(OptionMatrix.rule(.addService, .onePacket) == "o")
        #expect(OptionMatrix.rule(.addService, .schedulerFlags) == "o")
        #expect(OptionMatrix.rule(.addService, .mcastGroup) == "x")
        #expect(OptionMatrix.rule(.list, .connection) == "1")
        #expect(OptionMatrix.rule(.list, .daemon) == "1")
        #expect(OptionMatrix.rule(.list, .tunnelInfo) == "o")
        #expect(OptionMatrix.rule(.list, .tunnelType) == "x")
        #expect(OptionMatrix.rule(.addServer, .realServer) == "+")
        #expect(OptionMatrix.rule(.addServer, .tunnelRemoteChecksum) == "o")
        #expect(OptionMatrix.rule(.editServer, .lowerThreshold) == "o")
        #expect(OptionMatrix.rule(.deleteServer, .forwardingMethod) == "x")
        #expect(OptionMatrix.rule(.startDaemon, .syncMaxLength) == "o")
        #expect(OptionMatrix.rule(.startDaemon, .tunnelInfo) == "x")
        #expect(OptionMatrix.rule(.stopDaemon, .syncID) == "o")
        #expect(OptionMatrix.rule(.stopDaemon, .mcastInterface) == "x")
        #expect(OptionMatrix.rule(.save, .numeric) == "o")
        #expect(OptionMatrix.rule(.zero, .serviceAddress) == "o")
        #expect(OptionMatrix.rule(.flush, .numeric) == "x")
    }
}
