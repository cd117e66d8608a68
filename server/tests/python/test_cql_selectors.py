"""Selecting parts of collections through the Python driver against the real
binary: element and slice selectors (Cassandra 4.0+) with their result types,
and writetime()/maxwritetime()/ttl() on collection elements (Cassandra 5.0,
WritetimeOrTTLTest)."""
# One node and keyspace per module, and the error helper, shared with the
# restriction tests.
from test_cql_restrictions import invalid, session  # noqa: F401


def test_element_and_slice_selection_with_cassandras_types(session):
    session.execute("CREATE TABLE coll (k int PRIMARY KEY, m map<text, text>, fm frozen<map<text, text>>, "
                    "s set<text>, fs frozen<set<text>>, l list<int>)")
    session.execute("INSERT INTO coll (k, m, fm, s, fs, l) VALUES (0, {'1': 'one', '2': 'two'}, {'1': 'one', '2': 'two'}, "
                    "{'1', '2', '3'}, {'1', '2', '3'}, [1, 2])")
    session.execute("INSERT INTO coll (k) VALUES (1)")
    parts = ["{c}", "{c}['2']", "{c}['2'..'3']", "{c}[..'2']", "{c}['3'..]"]
    columns = [p.format(c=c) for c in ["m", "fm", "s", "fs"] for p in parts]
    result = session.execute(f"SELECT k, {', '.join(columns)} FROM coll WHERE k = 0")
    row = result.one()
    got = [dict(v) if hasattr(v, "items") else (set(v) if v is not None and not isinstance(v, str) else v) for v in row[1:]]
    two = {"1": "one", "2": "two"}
    assert got == [
        two, "two", {"2": "two"}, two, None,          # non-frozen: an empty slice is null
        two, "two", {"2": "two"}, two, {},            # frozen: an empty collection
        {"1", "2", "3"}, "2", {"2", "3"}, {"1", "2"}, {"3"},
        {"1", "2", "3"}, "2", {"2", "3"}, {"1", "2"}, {"3"},
    ]
    types = {name: ty for name, ty in zip(result.column_names, result.column_types)}
    # An element is typed as the map's values (the set's elements), a slice as the collection.
    name = lambda ty: ty.cql_parameterized_type()
    assert name(types["m['2']"]) == name(types["m"].subtypes[1]) == "varchar"
    assert name(types["s['2']"]) == name(types["s"].subtypes[0]) == "varchar"
    for c in ["m", "fm", "s", "fs"]:
        for slice_ in ["['2'..'3']", "[..'2']", "['3'..]"]:
            assert name(types[c + slice_]) == name(types[c]), c + slice_
    assert tuple(session.execute("SELECT m['2'], s['2'..'3'] FROM coll WHERE k = 1").one()) == (None, None)
    prepared = session.prepare("SELECT m[?], s[?..?] FROM coll WHERE k = ?")
    assert [c.name for c in prepared.column_metadata] == ["key(m)", "value(s)", "value(s)", "k"]
    assert tuple(session.execute(prepared, ("1", "1", "2", 0)).one()) == ("one", {"1", "2"})
    invalid(session, "Element selection is only allowed on sets and maps, but l is a list", "SELECT l[0] FROM coll")
    invalid(session, "Slice selection is only allowed on sets and maps, but l is a list", "SELECT l[1..3] FROM coll")
    invalid(session, "Invalid element selection: k is of type int is not a collection", "SELECT k[0] FROM coll")


def test_nested_element_selection_on_frozen_values(session):
    session.execute("CREATE TABLE nested (k int PRIMARY KEY, m map<text, frozen<map<text, frozen<set<int>>>>>)")
    session.execute("INSERT INTO nested (k, m) VALUES (0, {'1': {'a': {1, 2, 4}, 'b': {3}}, '2': {'a': {2, 4}}})")
    q = "SELECT {} FROM nested WHERE k = 0"
    assert session.execute(q.format("m['1']['a']")).one()[0] == {1, 2, 4}
    assert session.execute(q.format("m['1']['a'][2]")).one()[0] == 2
    assert session.execute(q.format("m['1']['a'][2..3]")).one()[0] == {2}


def test_writetime_and_ttl_of_collection_elements(session):
    session.execute("CREATE TABLE times (k int PRIMARY KEY, s set<int>, fs frozen<set<int>>, m map<text, int>, l list<int>)")
    session.execute("INSERT INTO times (k, s, fs, m, l) VALUES (1, {1}, {1}, {'a': 1}, [1]) USING TIMESTAMP 1")
    session.execute("UPDATE times USING TIMESTAMP 2 AND TTL 20000 SET s = s + {2}, m['b'] = 2, l = l + [2] WHERE k = 1")

    def one(selector):
        return session.execute(f"SELECT {selector} FROM times WHERE k = 1").one()[0]

    assert one("writetime(s)") == [1, 2]
    ttls = one("ttl(s)")
    assert ttls[0] is None and 19000 < ttls[1] <= 20000
    assert (one("writetime(s[1])"), one("writetime(s[2])"), one("writetime(s[3])")) == (1, 2, None)
    assert one("ttl(s[1])") is None and 19000 < one("ttl(s[2])") <= 20000
    assert (one("writetime(s[..1])"), one("writetime(s[2..])"), one("writetime(s[3..])")) == ([1], [2], None)
    assert (one("maxwritetime(s)"), one("maxwritetime(s[..1])")) == (2, 1)
    assert (one("writetime(m['b'])"), one("writetime(m)"), one("writetime(l)")) == (2, [1, 2], [1, 2])
    # A frozen collection is one cell: an element or slice answers its time when it selects something.
    assert (one("writetime(fs)"), one("writetime(fs[1])"), one("writetime(fs[5])"), one("writetime(fs[..0])")) == (1, 1, None, None)
    result = session.execute("SELECT writetime(s), writetime(s[1]), ttl(s), ttl(s[1]) FROM times WHERE k = 1")
    assert [t.cql_parameterized_type() for t in result.column_types] == ["list<bigint>", "bigint", "list<int>", "int"]
    invalid(session, "Element selection is only allowed on sets and maps, but l is a list", "SELECT writetime(l[0]) FROM times")
    invalid(session, "Cannot use selection function ttl on PRIMARY KEY part k", "SELECT ttl(k) FROM times")


def test_fields_and_writetime_of_user_type_fields(session):
    session.execute("CREATE TYPE ut (f1 int, f2 int)")
    session.execute("CREATE TYPE nt (f1 frozen<ut>, f2 frozen<ut>)")
    session.execute("CREATE TABLE udts (k int PRIMARY KEY, t ut, ft frozen<ut>, n nt)")
    session.execute("INSERT INTO udts (k, t, ft, n) VALUES (1, {f1: 1}, {f1: 1}, {f1: {f1: 1}}) USING TIMESTAMP 1")
    session.execute("UPDATE udts USING TIMESTAMP 2 AND TTL 20000 SET t.f2 = 2, n.f2 = {f2: 2} WHERE k = 1")

    def one(selector):
        return session.execute(f"SELECT {selector} FROM udts WHERE k = 1").one()[0]

    assert (one("t.f1"), one("t.f2"), one("ft.f2"), one("n.f2.f2"), one("n.f1.f2")) == (1, 2, None, 2, None)
    # A non-frozen user type has a time per field, null for an unset one.
    assert (one("writetime(t)"), one("writetime(t.f1)"), one("writetime(t.f2)"), one("maxwritetime(t)")) == ([1, 2], 1, 2, 2)
    ttls = one("ttl(t)")
    assert ttls[0] is None and 19000 < ttls[1] <= 20000
    # Frozen: the whole cell's time when the field is set.
    assert (one("writetime(ft)"), one("writetime(ft.f1)"), one("writetime(ft.f2)")) == (1, 1, None)
    # Nested frozen fields inside a non-frozen type: the outer field's time.
    assert (one("writetime(n.f1.f1)"), one("writetime(n.f1.f2)"), one("writetime(n.f2.f2)")) == (1, None, 2)
