package record

import "fmt"

// entryFormat is the first byte of every encoded entry. A different value
// would mean a different framing of the whole entry; none exists yet.
const entryFormat byte = 0x01

// Encode encodes the records of one entry. It panics on a nil record (a
// programming error, never input).
func Encode(records []Record) []byte {
	return AppendEntry(make([]byte, 0, 64*len(records)+8), records)
}

// AppendEntry appends the encoding of records to b.
func AppendEntry(b []byte, records []Record) []byte {
	b = append(b, entryFormat)
	b = appendUint(b, uint64(len(records)))
	var body []byte
	for _, r := range records {
		body = r.appendBody(body[:0])
		b = appendUint(b, uint64(r.Type()))
		b = appendUint(b, uint64(r.Version()))
		b = appendUint(b, uint64(len(body)))
		b = append(b, body...)
	}
	return b
}

// minRecordSize is the fewest bytes a record can take: type, version and
// length, one byte each, and an empty body.
const minRecordSize = 3

// Decode decodes one entry. Any malformation is a *FormatError; Decode
// never panics and allocates at most a small multiple of len(data).
func Decode(data []byte) ([]Record, error) {
	d := &decoder{buf: data}
	if len(data) == 0 {
		d.fail("empty entry")
		return nil, d.err
	}
	if data[0] != entryFormat {
		d.fail("unknown entry format 0x%02x", data[0])
		return nil, d.err
	}
	d.pos = 1
	n := d.length("record count", minRecordSize)
	if d.err != nil {
		return nil, d.err
	}
	records := make([]Record, 0, n)
	for i := 0; i < n; i++ {
		r, err := decodeRecord(d, i)
		if err != nil {
			return nil, err
		}
		records = append(records, r)
	}
	if d.remaining() != 0 {
		d.fail("%d trailing bytes after %d records", d.remaining(), n)
		return nil, d.err
	}
	return records, nil
}

func decodeRecord(d *decoder, index int) (Record, error) {
	start := d.pos
	typ := d.uvarint("record type")
	version := d.uvarint("record version")
	size := d.length("record length", 1)
	if d.err != nil {
		return nil, d.err
	}
	rec := newRecord(Type(typ))
	if rec == nil || typ > 0xffff {
		d.pos = start
		d.fail("record %d: unknown type %d", index, typ)
		return nil, d.err
	}
	if version > 0xffff {
		d.pos = start
		d.fail("record %d (%s): bad version %d", index, rec.Type(), version)
		return nil, d.err
	}
	body := &decoder{buf: d.buf[d.pos : d.pos+size], base: d.pos}
	rec.decodeBody(body, uint16(version))
	if body.err == nil && body.remaining() != 0 && uint16(version) <= rec.Version() {
		// Only a newer version may carry fields this decoder does not know.
		body.fail("%d unexpected bytes after a version %d body", body.remaining(), version)
	}
	if body.err != nil {
		return nil, fmt.Errorf("record %d (%s v%d): %w", index, rec.Type(), version, body.err)
	}
	d.pos += size
	return rec, nil
}
