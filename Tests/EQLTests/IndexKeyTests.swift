import ECS
import EQL
import Testing

/// Which necessary condition ``CompiledQuery/indexKey(in:)`` extracts, and how ``RuleIndex``
/// looks events up with it.
@Suite struct IndexKeyTests {
    /// The key of `text`, rendered as `path==a,b | path:c` (`:` for case-insensitive terms; a marker
    /// after the path for containment, a prefix and a suffix: `path*:curl`, `path^==/tmp/`,
    /// `path$:.sh`; `path?` for presence), or `nil`.
    func key(_ text: String) throws -> String? {
        var fields = FieldCatalog.Builder()
        let query = try CompiledQuery(Query.parse(text), fields: &fields)
        let catalog = fields.build()
        return query.indexKey(in: catalog).map { key in
            key.terms.map { term in
                guard term.match != .present else { return catalog.path(of: term.field) + "?" }
                return catalog.path(of: term.field) + term.match.marker + (term.caseInsensitive ? ":" : "==")
                    + term.strings.joined(separator: ",")
            }
            .joined(separator: " | ")
        }
    }

    @Test func picksTheMostSelectiveConjunct() throws {
        #expect(try key(#"process where event.type == "start" and process.name in ("a", "b")"#) == "process.name==a,b")
        #expect(try key(#"process where event.action == "exec" and process.name : "X" and process.args in ("y", "z")"#) == "process.name:x")
        #expect(try key(#"any where event.type == "start" and event.action in ("exec", "fork")"#) == "event.action==exec,fork",
                "event.action is narrower than event.type")
        #expect(try key(#"process where host.os.type == "linux" and event.type == "start""#) == "event.category==process",
                "host.os.type is the broadest")
        #expect(try key(#"process where process.args : "*x*""#) == "event.category==process")
        #expect(try key(#"any where process.name like "a" and event.type == "start""#) == "process.name==a")
    }

    @Test func wildcardsGiveTheLiteralsEveryMatchContains() throws {
        #expect(try key(#"process where event.type == "start" and process.args : "*CURL*""#) == "process.args*:curl")
        #expect(try key(#"any where process.name : ("*curl*", "wget", "/tmp/?x*.sh")"#) == "process.name*:wget,curl,/tmp/", "exact members, then the patterns' literals")
        #expect(try key(#"any where process.executable like "*/tmp/*.sh*""#) == "process.executable*==/tmp/", "like is case-sensitive")
        #expect(try key(#"any where process.name == "a" and process.args : "*curl*""#) == "process.name==a",
                "equality before containment on fields as broad")
        #expect(try key(#"any where event.action == "exec" and process.args : "*curl*""#) == "process.args*:curl",
                "containment on a narrow field before equality on a broad one")
        #expect(try key(#"any where process.name : "*curl*" or process.name : "wget""#) == "process.name*:curl | process.name:wget")
        #expect(try key(#"any where process.name : ("*curl*", "*ab*")"#) == "process.name*:curl,ab", "two bytes are enough")
        #expect(try key(#"any where process.command_line : "*\\x*\\x*\\x*""#) == "process.command_line*:\\x",
                "the hex payload rule's two-byte run")
        #expect(try key(#"any where process.name : ("*curl*", "*a*")"#) == "process.name*:curl,a", "a literal of one byte serves too")
        #expect(try key(#"any where process.name : "*""#) == "process.name?")
        #expect(try key(#"any where process.name : ("*curl*", "a")"#) == "process.name*:a,curl", "an exact member is its own literal")
        #expect(try key(#"any where process.name regex ".*curl.*""#) == "process.name*==curl", "a regular expression's run of literal characters")
        #expect(try key(#"any where process.command_line regex~ ".*[0-9]{1,3}\\.[0-9]{1,3}:[0-9]+/CURL.*""#) == "process.command_line*:/curl",
                "the longest run, lowercased when case is ignored")
        #expect(try key(#"any where process.command_line regex ".*[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}:[0-9]{1,5}.*""#) == "process.command_line*==:",
                "no run longer than one character: the rarest character required (a colon before dots)")
        #expect(try key(#"process where process.name regex ".*curl.*""#) == "process.name*==curl",
                "a run of literal characters ranks as a wildcard's does, before the category")
    }

    @Test func anchoredLiteralsOfPatternsAndRegularExpressions() throws {
        #expect(try key(#"any where process.executable like "/tmp/*.sh""#) == "process.executable^==/tmp/",
                "a leading literal longer than the trailing one; anchored before contained on a tie")
        #expect(try key(#"any where process.name like ("python*", "bash")"#) == "process.name^==bash,python",
                "an exact member is its own prefix")
        #expect(try key(#"any where process.executable like (".*", "/tmp/*")"#) == "process.executable^==.,/tmp/",
                "a one-byte prefix still serves")
        #expect(try key(#"any where process.name : "* ""#) == "process.name$: ")
        #expect(try key(#"any where file.path : ("*.SH", "*/bin/curl")"#) == "file.path$:.sh,/bin/curl")
        #expect(try key(#"any where process.name : "a*verylong*""#) == "process.name*:verylong", "a longer contained literal wins")
        #expect(try key(#"any where process.name : "a*""#) == "process.name^:a")
        #expect(try key(#"any where process.name == "a" or process.args : "b*""#) == "process.name==a | process.args^:b")
        #expect(try key(#"any where process.executable regex """/var/run/\w+\.(pid|lock)""""#) == "process.executable^==/var/run/")
        #expect(try key(#"any where process.name regex~ "PHp?[0-9]?""#) == "process.name^:ph",
                "an optional character ends the literal; lowercased when case is ignored")
        #expect(try key(#"any where process.name regex "a+b""#) == "process.name$==b", "a repeated character is not a prefix")
        #expect(try key(#"any where process.name regex """.*\.sh""""#) == "process.name$==.sh")
        #expect(try key(#"any where process.name regex "(a|b)x+""#) == "process.name*==x", "no literal occurring once at either end: the character it requires")
        #expect(try key(#"any where process.name regex~ "(a|b)x+""#) == "process.name?", "ignoring case, no letter is required")
        #expect(try key(#"any where process.name : ("*curl*", "curl*")"#) == "process.name*:curl", "one pattern has no prefix")
        #expect(try key(#"any where process.name regex~ """[a-z]+\d/X""""#) == "process.name$:" + (0 ... 9).map { "\($0)/x" }.joined(separator: ","),
                "ignoring case, \\d is each ASCII digit (a non-ASCII value satisfies every case-insensitive key)")
        #expect(try key(#"any where process.name regex """[a-z]+\d/x""""#) == "process.name$==/x",
                "with case, \\d also matches non-ASCII digits: the literal stops there")
        #expect(try key(#"any where process.name regex~ """\w/x""""#) == "process.name$:/x", "\\w has too many characters")
    }

    @Test func bothAnchorsAreKeysWhenAComparisonHasBoth() throws {
        var indexed = try IndexedQueries([#"process where event.type == "start" and process.executable regex~ """/[a-z0-9\s_\-\\./]+\s""""#])
        let catalog = indexed.catalog
        let keys = try #require(indexed.queries[0].indexRequirement(in: catalog)?.filters.first)
        #expect(keys.map { $0.terms.map { catalog.path(of: $0.field) + $0.match.marker + ":" + $0.strings.joined(separator: ",") } }
                == [["process.executable^:/"], ["process.executable$:\t,\n,\u{0B},\u{0C},\r, "]],
                "the prefix selects nothing, the suffix (a trailing \\s) nearly everything out")
        func candidates(_ json: String) throws -> [Int] { try indexed.candidates(json) }
        #expect(try candidates(#"{"event":{"category":"process","type":"start"},"process":{"executable":"/usr/bin/ls"}}"#) == [])
        #expect(try candidates(#"{"event":{"category":"process","type":"start"},"process":{"executable":"/tmp/ls "}}"#) == [0])
        #expect(try candidates(#"{"event":{"category":"process","type":"start"},"process":{"executable":"/tmp/ls\u2003"}}"#) == [0],
                "non-ASCII: a Unicode space ends it as \\s matches")
    }

    @Test func noKeyWithoutANecessaryFiniteSet() throws {
        #expect(try key(#"any where process.name == "a" or not process.args : "b*""#) == nil, "or with a branch without a key")
        #expect(try key(#"any where process.name == "a" or process.args : "*b*""#) == "process.name==a | process.args*:b")
        #expect(try key(#"any where not process.name == "a""#) == nil)
        #expect(try key(#"any where process.name != "a""#) == nil)
        #expect(try key(#"any where not process.name in ("a", "b")"#) == nil)
        #expect(try key(#"any where process.name : "*""#) == "process.name?", "a wildcard without a literal")
        #expect(try key(#"any where process.name in ("a", 1)"#) == nil, "a number is not a string key")
        #expect(try key(#"any where startsWith(process.name, "a")"#) == nil)
        #expect(try key(#"any where true"#) == nil)
    }

    @Test func disjunctionNeedsAKeyInEveryOperand() throws {
        #expect(try key(#"any where process.name : "a" or process.name : ("B", "c")"#) == "process.name:a,b,c")
        #expect(try key(#"any where (process.name == "a" and event.type == "start") or process.name in ("b", "a")"#) == "process.name==a,b")
        #expect(try key(#"any where process.name == "a" or process.args == "b""#) == "process.name==a | process.args==b")
        #expect(try key(#"any where process.name == "a" or process.name : "B""#) == "process.name==a | process.name:b")
        #expect(try key(#"process where process.name == "a" or process.args : "*b*""#) == "process.name==a | event.category==process",
                "each branch with the category: the first keyed on its name, the second (no literal) on the category")
    }

    @Test func caseFolding() throws {
        #expect(try key(#"any where process.name : "ÉCHO""#) == "process.name:écho")
        #expect(try key(#"any where process.name in~ ("Bash", "SH")"#) == "process.name:bash,sh")
        #expect(try key(#"any where process.name == "Bash""#) == "process.name==Bash")
    }

    @Test func sequencesNeedAKeyInEveryFilter() throws {
        #expect(try key(#"sequence by host.id [process where process.name == "a"] [process where process.name in ("b", "c")]"#)
                == "process.name==a,b,c")
        #expect(try key(#"sequence [process where process.name == "a"] [network where true]"#)
                == "process.name==a | event.category==network")
        #expect(try key(#"sequence [process where process.name == "a"] [process where process.name == "b"] until [process where event.type == "end"]"#)
                == "process.name==a,b | event.category==process")
        #expect(try key(#"sequence [process where process.name == "a"] [any where true]"#) == nil)
    }

    @Test func indexLooksUpEveryValueAsTheQueriesCompare() throws {
        var indexed = try IndexedQueries([
            #"any where process.name == "Foo""#,
            #"any where process.name : "foo""#,
            #"any where true"#,
            #"process where process.name == "Écho""#,
            #"any where process.name : "écho""#,
        ])
        #expect(indexed.index.requirements.map { $0 == nil } == [false, false, true, false, false])
        func candidates(_ json: String) throws -> [Int] { try indexed.candidates(json) }
        #expect(try candidates(#"{"process":{"name":"Foo"}}"#) == [0, 1, 2])
        #expect(try candidates(#"{"process":{"name":"FOO"}}"#) == [1, 2])
        #expect(try candidates(#"{"process":{"name":["x","FOO","Foo"]}}"#) == [0, 1, 2])
        #expect(try candidates(#"{"process":{"name":"x"}}"#) == [2])
        #expect(try candidates(#"{"other":1}"#) == [2])
        #expect(try candidates(#"{"process":{"name":null}}"#) == [2])
        #expect(try candidates(#"{"process":{"name":5}}"#) == [0, 1, 2, 4],
                "a number: every key on the field holds (query 3 also needs the process category)")
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"name":5}}"#) == [0, 1, 2, 3, 4])
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"name":"ÉCHO"}}"#) == [2, 4])
        #expect(try candidates(#"{"event":{"category":["network","process"]},"process":{"name":"Écho"}}"#) == [2, 3, 4])
    }

    @Test func requirementListsTheMostSelectiveKeysOfEachFilter() throws {
        var indexed = try IndexedQueries([
            #"process where event.action == "exec" and user.id == "0" and process.name == "gdb""#,
            #"sequence [process where user.id == "0" and process.args : "*curl*"] [network where process.name == "nc"]"#,
            #"process where user.id == "0""#,
            #"process where (process.parent.name == "bash" and process.parent.args : "*waagent*") or (process.parent.name == "sh" and process.args : "*runner*")"#,
            #"process where event.type == "start" and process.name : "*a*" and container.id like "?*""#,
            #"process where event.type == "end" and process.args like ("*sh*", "/bin/*")"#,
            #"process where event.type == "start" and process.command_line regex ".*[0-9]+:[0-9]+.*""#,
            #"process where process.name == "openssl" and process.command_line regex ".*[0-9]+:[0-9]+.*""#,
        ])
        let (queries, catalog) = (indexed.queries, indexed.catalog)
        func rendered(_ requirement: IndexRequirement?) -> [[String]] {
            (requirement?.filters ?? []).map { keys in
                keys.map { $0.terms.map { catalog.path(of: $0.field) + ($0.match == .contains ? "*" : "") }.joined(separator: "|") }
            }
        }
        #expect(rendered(queries[0].indexRequirement(in: catalog)) == [["user.id", "process.name"]],
                "event.action and the category are broad: not past the first two keys")
        #expect(rendered(queries[1].indexRequirement(in: catalog)) == [["user.id", "process.args*"], ["process.name", "event.category"]])
        #expect(rendered(queries[2].indexRequirement(in: catalog)) == [["user.id", "event.category"]])
        #expect(rendered(queries[3].indexRequirement(in: catalog))
                == [["process.parent.name", "process.parent.args*"], ["process.parent.name", "process.args*"]],
                "a disjunction of two-key operands gives an alternative per operand, two keys each")
        #expect(queries[3].indexRequirement(in: catalog)?.filterNumbers == [0, 0], "both alternatives of the one filter")
        #expect(rendered(queries[4].indexRequirement(in: catalog)) == [["event.category", "event.type", "process.name*", "container.id"]],
                "a one-byte literal and a presence key last, yet listed: four keys")
        #expect(rendered(queries[5].indexRequirement(in: catalog)) == [["event.category", "event.type", "process.args*"]],
                "a two-byte contained literal (sh) ranks with presence: after the broad keys, not instead of them")
        #expect(rendered(queries[6].indexRequirement(in: catalog)) == [["event.category", "event.type", "process.command_line*"]],
                "the colon the regular expression requires narrows a filter of broad keys")
        #expect(rendered(queries[7].indexRequirement(in: catalog)) == [["process.name", "event.category"]],
                "beside a selective key, a one-byte literal is left out: its field would cost every event a look-up")

        func candidates(_ json: String) throws -> [Int] { try indexed.candidates(json) }
        #expect(try candidates(#"{"event":{"category":"process"},"user":{"id":"0"},"process":{"name":"bash"}}"#) == [2],
                "one key of two holds: not a candidate")
        #expect(try candidates(#"{"event":{"category":"process"},"user":{"id":"0"},"process":{"name":"gdb"}}"#) == [0, 2])
        #expect(try candidates(#"{"event":{"category":"process"},"user":{"id":"0"},"process":{"args":["/usr/bin/curl"]}}"#) == [1, 2],
                "the first stage's two keys")
        #expect(try candidates(#"{"event":{"category":"network"},"process":{"name":"nc"}}"#) == [1], "the second stage's")
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"name":"nc"}}"#) == [])
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"parent":{"name":"bash","args":"/x"}}}"#) == [],
                "a shell parent alone satisfies only the first key of the disjunction")
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"parent":{"name":"bash","args":"/var/lib/waagent/x.sh"}}}"#) == [3])
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"args":"runner","parent":{"name":"bash"}}}"#) == [],
                "the first branch's parent and the second's argument: no branch has both its keys")
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"args":"runner","parent":{"name":"sh"}}}"#) == [3])
        #expect(try candidates(#"{"event":{"category":"process","type":"start"},"process":{"name":"bash"}}"#) == [],
                "outside a container: the fourth key, the presence of container.id, is missing")
        #expect(try candidates(#"{"event":{"category":"process","type":"start"},"process":{"name":"bash"},"container":{"id":"c1"}}"#) == [4])
    }

    @Test("a sequence's join keys must be there, unless optional; so must a field compared with != null")
    func presentJoinKeysAndNotNull() throws {
        var indexed = try IndexedQueries([
            #"sequence by container.id [process where process.name == "curl"] [process where process.name == "sh"]"#,
            #"sequence by ?container.id [process where process.name == "curl"] [process where process.name == "sh"]"#,
            #"process where process.name == "sh" and process.parent.executable != null"#,
        ])
        func candidates(_ json: String) throws -> [Int] { try indexed.candidates(json) }
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"name":"curl"}}"#) == [1],
                "Elasticsearch leaves events without a mandatory join key out of sequences")
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"name":"curl"},"container":{"id":"c"}}"#) == [0, 1])
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"name":"sh","parent":{"executable":null}}}"#) == [1])
        #expect(try candidates(#"{"event":{"category":"process"},"process":{"name":"sh","parent":{"executable":"/bin/x"}}}"#) == [1, 2])
    }

    @Test("each candidate comes with the filters whose keys all hold, and an unkeyed query with all")
    func candidateFilters() throws {
        var indexed = try IndexedQueries([
            #"sequence by host.id [process where process.name == "curl"] [network where destination.port == 4444] [file where file.name : "*.sh"]"#,
            #"any where length(process.name) > 3"#,
        ])
        let network = try indexed.offered(#"{"event":{"category":"network"},"destination":{"port":4444},"process":{"name":"curl"},"host":{"id":"h"}}"#)
        #expect(network.queries == [0, 1])
        #expect(network.filters[0] == 0b010, "the network stage only: the process stage needs the process category")
        #expect(network.filters[1] == UInt64.max, "no requirement: every filter")
        let both = try indexed.offered(#"{"event":{"category":["process","file"]},"process":{"name":"curl"},"file":{"name":"x.sh"},"host":{"id":"h"}}"#)
        #expect(both.filters[0] == 0b101)
        // The same Candidates value across events: the bits of the last event do not stay.
        var candidates = RuleIndex.Candidates(queryCount: 2)
        for (json, expected) in [(#"{"event":{"category":"process"},"process":{"name":"curl"},"host":{"id":"h"}}"#, UInt64(0b001)),
                                 (#"{"event":{"category":"file"},"file":{"name":"a.sh"},"host":{"id":"h"}}"#, UInt64(0b100))] {
            let event = try indexed.read(json)
            indexed.index.candidates(of: event, into: &candidates)
            #expect(candidates.queries == [0, 1] && candidates.filters[0] == expected, "\(json)")
        }
        let hits = try indexed.queries[0].filterHits(indexed.read(#"{"event":{"category":"process"},"process":{"name":"curl"}}"#), among: 0b110)
        #expect(hits == 0, "filters outside `among` are not tested")
    }

    @Test("a stage split into alternatives still names its stage among the candidate's filters")
    func alternativesKeepTheirFilter() throws {
        var indexed = try IndexedQueries([
            #"sequence by host.id [network where destination.port == 4444] [process where (process.name == "curl""#
                + #" and process.args == "-o") or (process.name == "wget" and process.args == "-O")]"#,
        ])
        #expect(indexed.queries[0].indexRequirement(in: indexed.catalog)?.filterNumbers == [0, 1, 1])
        let offered = try indexed.offered(#"{"event":{"category":"process"},"process":{"name":"wget","args":["-O","x"]},"host":{"id":"h"}}"#)
        #expect(offered.queries == [0])
        #expect(offered.filters[0] == 0b10, "the second stage, through its second alternative")
        #expect(try indexed.candidates(#"{"event":{"category":"process"},"process":{"name":"wget","args":["-o"]},"host":{"id":"h"}}"#) == [],
                "wget with curl's argument: neither alternative has all its keys")
    }

    @Test func indexFindsPresentFields() throws {
        var indexed = try IndexedQueries([#"any where container.id : "?*""#, #"any where process.name regex "x.*""#])
        func candidates(_ json: String) throws -> [Int] { try indexed.candidates(json) }
        #expect(try candidates(#"{"container":{"id":"c1"},"process":{"name":"x"}}"#) == [0, 1])
        #expect(try candidates(#"{"container":{"id":7}}"#) == [0], "a number is present")
        #expect(try candidates(#"{"container":{"id":null},"process":{"name":[]}}"#) == [], "null and an empty list are not")
    }

    @Test func indexFindsAnchoredLiteralsAsTheQueriesCompare() throws {
        var indexed = try IndexedQueries([
            #"any where process.executable like ("/tmp/*", ".*")"#,
            #"any where process.executable : "*.SH""#,
            #"any where process.executable regex~ "/USR/[a-z]+""#,
        ])
        func candidates(_ json: String) throws -> [Int] { try indexed.candidates(json) }
        #expect(try candidates(#"{"process":{"executable":"/tmp/x"}}"#) == [0])
        #expect(try candidates(#"{"process":{"executable":"/TMP/x"}}"#) == [], "like is case-sensitive")
        #expect(try candidates(#"{"process":{"executable":".hidden"}}"#) == [0])
        #expect(try candidates(#"{"process":{"executable":["/bin/x","/tmp/run.Sh"]}}"#) == [0, 1], "each value of a list")
        #expect(try candidates(#"{"process":{"executable":"/usr/bin"}}"#) == [2])
        #expect(try candidates(#"{"process":{"executable":"/bin/sh"}}"#) == [], "ends with sh, not .sh")
        #expect(try candidates(#"{"process":{"executable":"/tmp"}}"#) == [], "shorter than the literal")
        #expect(try candidates(#"{"process":{"executable":"/bin/É"}}"#) == [1, 2], "non-ASCII: every case-insensitive literal")
        #expect(try candidates(#"{"process":{"executable":7}}"#) == [0, 1, 2])
    }

    @Test func indexFindsContainedLiteralsAsTheQueriesCompare() throws {
        var indexed = try IndexedQueries([
            #"any where process.args : "*curl*""#,
            #"any where process.args like "/tmp/*""#,
            #"any where process.args : ("*wget*", "nc.openbsd")"#,
        ])
        func candidates(_ json: String) throws -> [Int] { try indexed.candidates(json) }
        #expect(try candidates(#"{"process":{"args":["-s","/usr/bin/CURL"]}}"#) == [0])
        #expect(try candidates(#"{"process":{"args":"/tmp/x"}}"#) == [1])
        #expect(try candidates(#"{"process":{"args":"/TMP/x"}}"#) == [], "like is case-sensitive")
        #expect(try candidates(#"{"process":{"args":"NC.OpenBSD"}}"#) == [2], "an exact member is found as a literal")
        #expect(try candidates(#"{"process":{"args":["curlwget"]}}"#) == [0, 2], "literals overlapping in one value")
        #expect(try candidates(#"{"process":{"args":"cu"}}"#) == [], "a value shorter than any literal")
        #expect(try candidates(#"{"process":{"args":"ÉCURL"}}"#) == [0, 2], "non-ASCII: every case-insensitive literal")
        #expect(try candidates(#"{"process":{"args":7}}"#) == [0, 1, 2])
    }

    /// One `Candidates` kept across events remembers what the index found for their values
    /// (``IndexValueMemo``): it offers what a fresh one offers, event after event, values repeated.
    @Test func aReusedCandidatesOffersWhatAFreshOneOffers() throws {
        var indexed = try IndexedQueries([
            #"process where process.args : ("*curl*", "*wget*") and process.executable like "/tmp/*""#,
            #"process where process.executable : ("*.sh", "/usr/bin/*") and process.name == "sh""#,
            #"sequence [process where process.args like "*nc*"] [network where process.executable : "*/X""#
                + #" and destination.port == 4444]"#,
            #"any where process.name : "CURL""#,
            #"process where process.command_line like~ "*/TMP/CURL*""#,
        ])
        let documents = [
            #"{"event":{"category":"process"},"process":{"name":"curl","executable":"/tmp/curl","args":["curl","-s","x"]}}"#,
            #"{"event":{"category":"process"},"process":{"name":"sh","executable":"/usr/bin/run.SH","args":["sh","-c","nc -l"]}}"#,
            #"{"event":{"category":"network"},"process":{"executable":"/opt/x"},"destination":{"port":4444}}"#,
            #"{"event":{"category":"process"},"process":{"name":"CURL","executable":"/tmp/É","args":["ÉWGET"]}}"#,
            #"{"event":{"category":"process"},"process":{"name":"sh","executable":"/tmp/curl","args":["nc","/tmp/curl"],"command_line":"/tmp/curl"}}"#,
        ]
        var reused = RuleIndex.Candidates(queryCount: indexed.queries.count)
        var random = SplitMix64(state: 3)
        for _ in 0 ..< 200 {
            let document = random.pick(documents)
            let fresh = try indexed.offered(document)
            indexed.index.candidates(of: try indexed.read(document), into: &reused)
            #expect(reused.queries == fresh.queries, "\(document)")
            #expect(fresh.queries.allSatisfy { reused.filters[$0] == fresh.filters[$0] }, "\(document)")
        }
        #expect(try indexed.candidates(documents[0]) == [0, 3], "the fresh look-up itself is right (no \"nc\" for the sequence)")
        // Every value of a field with contained literals (`process.args`, `process.command_line`,
        // …) is looked up; each distinct one is remembered once (as one pass over the documents
        // finds), then found every time.
        var onePass = RuleIndex.Candidates(queryCount: indexed.queries.count)
        for document in documents { indexed.index.candidates(of: try indexed.read(document), into: &onePass) }
        let distinct = onePass.memoLookups - onePass.memoHits
        #expect(distinct >= 10, "the ten values of process.args and process.command_line at least")
        #expect(reused.memoLookups > 200, "\(reused.memoLookups)")
        #expect(reused.memoHits == reused.memoLookups - distinct, "\(reused.memoHits) of \(reused.memoLookups)")
        #expect(reused.memoBypasses == 0)
    }
}

extension IndexKey.Term.Match {
    /// How ``IndexKeyTests`` marks a term of this kind after its field.
    var marker: String {
        switch self {
        case .equals, .present: ""
        case .contains: "*"
        case .prefix: "^"
        case .suffix: "$"
        }
    }
}

/// Queries compiled together, their ``RuleIndex``, and a reader for their catalog.
private struct IndexedQueries {
    let queries: [CompiledQuery]
    let catalog: FieldCatalog
    let index: RuleIndex
    private var reader: EventReader

    init(_ texts: [String]) throws {
        var fields = FieldCatalog.Builder()
        queries = try texts.map { text throws in try CompiledQuery(Query.parse(text), fields: &fields) }
        catalog = fields.build()
        index = RuleIndex(queries, catalog: catalog)
        reader = EventReader(catalog: catalog)
    }

    /// The positions of the queries the index offers for the JSON document `json`.
    mutating func candidates(_ json: String) throws -> [Int] {
        try offered(json).queries
    }

    /// The JSON document `json` as an event of the queries' catalog.
    mutating func read(_ json: String) throws -> Event {
        try reader.read(bytes: Array(json.utf8), origin: .memory(index: 0))
    }

    /// What the index offers for the JSON document `json`: queries, and for each the filters.
    mutating func offered(_ json: String) throws -> RuleIndex.Candidates {
        let event = try read(json)
        var result = RuleIndex.Candidates(queryCount: queries.count)
        index.candidates(of: event, into: &result)
        return result
    }
}
