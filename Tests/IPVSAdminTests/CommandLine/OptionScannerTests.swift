import Testing

@testable import IPVSAdmin

@Suite struct OptionScannerTests {
    private func scan(_ arguments: [String]) -> (events: [OptionScanner.Event], leftovers: [String]) {
        var scanner = OptionScanner(arguments: arguments)
        var events: [OptionScanner.Event] = []
        while events.count <= arguments.count + 2 {
            let event = scanner.nextOption()
            events.append(event)
            if case .option = event { continue }
            break
        }
        return (events, scanner.leftovers)
    }

    @Test func bundlesAndValues() {
        let result = scan(["-Lnc", "-w5", "-w=6", "-p", "-n", "--weight=7", "--persistent", "8", "x", "--", "-L"])
        #expect(
            result.events == [
                .option(.list, argument: nil), .option(.numeric, argument: nil), .option(.connection, argument: nil),
                .option(.weight, argument: "5"), .option(.weight, argument: "6"), .option(.persistent, argument: nil),
                .option(.numeric, argument: nil), .option(.weight, argument: "7"), .option(.persistent, argument: "8"),
                .end,
            ])
        #expect(result.leftovers == ["x", "-L"])
    }

    @Test func optionalValueTakesAnyWordNotStartingWithDash() {
        #expect(scan(["-p", "abc"]).events == [.option(.persistent, argument: "abc"), .end])
        #expect(scan(["-p", ""]).events == [.option(.persistent, argument: ""), .end])
        #expect(scan(["-p"]).events == [.option(.persistent, argument: nil), .end])
        #expect(scan(["-p", "-5"]).events == [.option(.persistent, argument: nil), .unknownOption])
    }

    @Test func requiredValueTakesTheNextWordEvenWithDash() {
        #expect(scan(["-s", "-p"]).events == [.option(.scheduler, argument: "-p"), .end])
        #expect(scan(["-s"]).events == [.missingArgument])
        #expect(scan(["--scheduler="]).events == [.option(.scheduler, argument: ""), .end])
    }

    @Test func lastConsumedWordIsPoptBadOption() {
        var scanner = OptionScanner(arguments: ["-L", "--start-daemon", "master", "-nq"])
        #expect(scanner.nextOption() == .option(.list, argument: nil))
        #expect(scanner.lastConsumedWord == "-L")
        #expect(scanner.nextOption() == .option(.startDaemon, argument: "master"))
        #expect(scanner.lastConsumedWord == "master")
        #expect(scanner.nextOption() == .option(.numeric, argument: nil))
        #expect(scanner.nextOption() == .unknownOption)
        #expect(scanner.lastConsumedWord == "-nq")
    }

    @Test func everyLongAndShortNameIsFound() {
        for spec in OptionTable.all {
            if let long = spec.longName { #expect(OptionTable.option(longName: Substring(long))?.tag == spec.tag) }
            if let short = spec.shortName { #expect(OptionTable.option(shortName: short)?.tag == spec.tag) }
        }
        #expect(OptionTable.option(longName: "proxy")?.tag == .proxy)
        #expect(OptionTable.option(longName: "json")?.tag == .json)
        #expect(OptionTable.option(longName: "lis") == nil)
    }
}
