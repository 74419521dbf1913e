import ECS

/// What happened to a process, as Elastic Defend's `event.action` says it.
enum ProcessAction {
    /// A program was executed (`event.type: start`).
    case exec
    /// A process was forked (`event.type: start`).
    case fork
    /// A process exited (`event.type: end`).
    case end
}

/// Writes Elastic Defend (`logs-endpoint.events.process`) documents as one line of JSON each,
/// straight into a byte buffer: the shape of `Config/sample-events.ndjson`, plus the session and
/// entry leaders and the real user Defend reports on Linux.
struct ProcessEventEncoder {
    private var dayStart = Int64.min
    private var datePrefix: [UInt8] = []

    /// Appends one event document (without the newline) to `output`.
    mutating func encode(_ action: ProcessAction, process: SimulatedProcess, host: SimulatedHost, time: Int64,
                         ingestDelay: Int64, eventID: String, into output: inout [UInt8]) {
        let user = host.users[process.user]
        raw(#"{"@timestamp":""#, &output); timestamp(time, &output)
        raw(#"","agent":{"id":""#, &output); raw(host.agentID, &output)
        raw(#"","type":"endpoint","version":"8.15.2"},"data_stream":{"dataset":"endpoint.events.process","namespace":"default","type":"logs"},"ecs":{"version":"8.10.0"},"event":{"action":""#, &output)
        switch action {
        case .exec: raw(#"exec","category":["process"],"type":["start"]"#, &output)
        case .fork: raw(#"fork","category":["process"],"type":["start"]"#, &output)
        case .end: raw(#"end","category":["process"],"type":["end"]"#, &output)
        }
        raw(#","kind":"event","dataset":"endpoint.events.process","module":"endpoint","outcome":"unknown","id":""#, &output)
        raw(eventID, &output)
        raw(#"","created":""#, &output); timestamp(time, &output)
        raw(#"","ingested":""#, &output); timestamp(time + ingestDelay, &output)
        raw(#""},"host":{"id":""#, &output); raw(host.id, &output)
        raw(#"","name":""#, &output); raw(host.name, &output)
        raw(#"","hostname":""#, &output); raw(host.name, &output)
        raw(#"","architecture":"x86_64","os":{"type":"linux","family":""#, &output); raw(host.os.family, &output)
        raw(#"","name":""#, &output); raw(host.os.name, &output)
        raw(#"","version":""#, &output); raw(host.os.version, &output)
        raw(#"","kernel":""#, &output); raw(host.os.kernel, &output)
        raw(#"","platform":""#, &output); raw(host.os.platform, &output)
        raw(#""},"ip":[""#, &output); raw(host.ip, &output)
        raw(#""]},"process":{"entity_id":""#, &output); raw(process.entityID, &output)
        raw(#"","pid":"#, &output); integer(process.pid, &output)
        raw(#","name":"#, &output); string(process.name, &output)
        raw(#","executable":"#, &output); string(process.executable, &output)
        raw(#","args":["#, &output)
        for (index, argument) in process.args.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            string(argument, &output)
        }
        raw(#"],"args_count":"#, &output); integer(process.args.count, &output)
        raw(#","command_line":"#, &output); string(process.commandLine, &output)
        raw(#","working_directory":"#, &output); string(process.workingDirectory, &output)
        raw(#","start":""#, &output); timestamp(process.start, &output)
        raw(process.interactive ? #"","interactive":true"# : #"","interactive":false"#, &output)
        if action == .end {
            raw(#","end":""#, &output); timestamp(time, &output)
            raw(#"","exit_code":0"#, &output)
        }
        if let parent = process.parent {
            raw(#","parent":{"entity_id":""#, &output); raw(parent.entityID, &output)
            raw(#"","pid":"#, &output); integer(parent.pid, &output)
            raw(#","name":"#, &output); string(parent.name, &output)
            raw(#","executable":"#, &output); string(parent.executable, &output)
            raw(#","args":["#, &output)
            for (index, argument) in parent.args.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                string(argument, &output)
            }
            raw(#"],"command_line":"#, &output); string(parent.commandLine, &output)
            raw(#"}"#, &output)
        }
        raw(#","session_leader":{"entity_id":""#, &output); raw(process.sessionLeader.entityID, &output)
        raw(#"","pid":"#, &output); integer(process.sessionLeader.pid, &output)
        raw(#","name":"#, &output); string(process.sessionLeader.name, &output)
        raw(#"},"entry_leader":{"entity_id":""#, &output); raw(process.entryLeader.entityID, &output)
        raw(#"","pid":"#, &output); integer(process.entryLeader.pid, &output)
        raw(#","name":"#, &output); string(process.entryLeader.name, &output)
        raw(#","entry_meta":{"type":""#, &output); raw(process.entryType, &output)
        raw(#""}},"user":{"id":""#, &output); raw(user.id, &output)
        raw(#"","name":""#, &output); raw(user.name, &output)
        raw(#""},"real_user":{"id":""#, &output); raw(user.id, &output)
        raw(#"","name":""#, &output); raw(user.name, &output)
        raw(#""}},"user":{"id":""#, &output); raw(user.id, &output)
        raw(#"","name":""#, &output); raw(user.name, &output)
        raw(#"","group":{"id":""#, &output); raw(user.groupID, &output)
        raw(#"","name":""#, &output); raw(user.name, &output)
        raw(#""}},"message":"Endpoint process event"}"#, &output)
    }

    /// Appends text that needs no JSON escaping.
    @inline(__always) private func raw(_ text: String, _ output: inout [UInt8]) {
        output.append(contentsOf: text.utf8)
    }

    /// Appends a quoted, escaped JSON string.
    private func string(_ text: String, _ output: inout [UInt8]) {
        JSONText.appendString(text, to: &output)
    }

    private func integer(_ value: Int, _ output: inout [UInt8]) {
        output.append(contentsOf: String(value).utf8)
    }

    /// Appends `2026-11-25T09:00:02.201Z` for nanoseconds since the epoch (formatting the date part
    /// once per day).
    private mutating func timestamp(_ nanos: Int64, _ output: inout [UInt8]) {
        let millis = nanos / 1_000_000
        let day = millis / 86_400_000 * 86_400_000
        if day != dayStart {
            dayStart = day
            datePrefix = Array(Timestamp.formatISO8601(day * 1_000_000).utf8.prefix(11))
        }
        output.append(contentsOf: datePrefix)
        let ofDay = millis - day
        twoDigits(ofDay / 3_600_000, &output)
        output.append(UInt8(ascii: ":"))
        twoDigits(ofDay / 60_000 % 60, &output)
        output.append(UInt8(ascii: ":"))
        twoDigits(ofDay / 1000 % 60, &output)
        output.append(UInt8(ascii: "."))
        let milli = ofDay % 1000
        output.append(UInt8(ascii: "0") + UInt8(milli / 100))
        twoDigits(milli % 100, &output)
        output.append(UInt8(ascii: "Z"))
    }

    private func twoDigits(_ value: Int64, _ output: inout [UInt8]) {
        output.append(UInt8(ascii: "0") + UInt8(value / 10))
        output.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
