package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// A shape is the wire layout of one request body at one version: which
// fields are present, in what order, and how each is length-prefixed. The
// connection walks a body against its shape before handing it to kmsg (see
// checkBody), because kmsg trusts lengths and counts it has not yet proven:
// it allocates a whole array up front from its claimed count, and it runs a
// tagged-field loop for as many iterations as the claimed tag count even
// after the input has run out (a 7-byte body can pin a core for a minute).
// Once a body has walked cleanly, every count kmsg will read is backed by
// real bytes, so decoding is linear in the frame size.
//
// Shapes are derived from kmsg itself rather than written by hand: a probe
// request is filled with distinct marker values (one element per array),
// encoded with kmsg's AppendTo at the version, and the encoding is matched
// field by field against the Go struct. A field whose marker bytes appear at
// the current position is inline; one that appears in the struct's tagged
// section is a tagged field; one that appears nowhere is absent at that
// version. Tests check every key and version kmsg knows.
type shape struct {
	kind   shapeKind
	size   int               // shapeFixed: byte width
	elem   *shape            // shapeArray: element layout
	fields []*shape          // shapeStruct, shapeNullableStruct: inline fields in wire order
	tagged map[uint32]*shape // known tagged fields, decoded by kmsg from the tag's bytes
}

type shapeKind uint8

const (
	shapeFixed          shapeKind = iota // size bytes (ints, bool, float64, uuid)
	shapeString                          // int16 length, or compact uvarint length+1; negative = null
	shapeBytes                           // int32 length, or compact uvarint length+1; negative = null
	shapeArray                           // int32 count, or compact uvarint count+1; then count elements
	shapeStruct                          // inline fields, then (flexible) a tagged-field section
	shapeNullableStruct                  // int8 presence (-1 = null), then a struct
)

// bodyShapes holds the derived shape of every request key and version kmsg
// knows, indexed [key][version]. It is built once per Server and read-only
// afterwards.
type bodyShapes struct {
	byKey [][]*shape
}

// lookup returns the shape for key at version, or nil if none was derived.
func (b *bodyShapes) lookup(key, version int16) *shape {
	if key < 0 || int(key) >= len(b.byKey) {
		return nil
	}
	vs := b.byKey[key]
	if version < 0 || int(version) >= len(vs) {
		return nil
	}
	return vs[version]
}

// maxProbeKey bounds the keys probed; kmsg's keys are far below it.
const maxProbeKey = 1024

// deriveBodyShapes derives the shape of every request kmsg knows. An error
// means kmsg's encoding could not be matched against its Go types, which is
// a bug here (or a kmsg change) that tests catch.
func deriveBodyShapes() (*bodyShapes, error) {
	out := &bodyShapes{}
	for key := int16(0); key < maxProbeKey; key++ {
		req := kmsg.RequestForKey(key)
		if req == nil {
			continue
		}
		for int(key) >= len(out.byKey) {
			out.byKey = append(out.byKey, nil)
		}
		versions := make([]*shape, req.MaxVersion()+1)
		for v := int16(0); v <= req.MaxVersion(); v++ {
			s, err := deriveShape(key, v)
			if err != nil {
				return nil, err
			}
			versions[v] = s
		}
		out.byKey[key] = versions
	}
	return out, nil
}

// deriveShape derives the body shape of one request key at one version.
func deriveShape(key, version int16) (*shape, error) {
	req := kmsg.RequestForKey(key)
	if req == nil {
		return nil, fmt.Errorf("derive shape: unknown key %d", key)
	}
	req.SetVersion(version)
	root := reflect.ValueOf(req).Elem()
	var p prober
	p.fillStruct(root, true)
	m := matcher{buf: req.AppendTo(nil), flexible: req.IsFlexible()}
	s, ok := m.matchStruct(root, true)
	if !ok || m.pos != len(m.buf) {
		return nil, fmt.Errorf("derive shape of %s v%d: kmsg encoding does not match its struct (matched %d of %d bytes)",
			kmsg.NameForKey(key), version, m.pos, len(m.buf))
	}
	return s, nil
}

var tagsType = reflect.TypeOf(kmsg.Tags{})

// skipField reports fields that are not on the wire: the request's own
// Version, and the UnknownTags holders.
func skipField(f reflect.StructField, top bool) bool {
	return f.Type == tagsType || (top && f.Name == "Version") || !f.IsExported()
}

// prober fills a request with marker values that are distinct per field, so
// each field's encoding can be recognised in the output.
type prober struct{ next uint32 }

func (p *prober) id() uint32 { p.next++; return p.next }

func (p *prober) fillStruct(v reflect.Value, top bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if skipField(t.Field(i), top) {
			continue
		}
		p.fill(v.Field(i))
	}
}

func (p *prober) fill(v reflect.Value) {
	id := p.id()
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int8:
		v.SetInt(int64(0x30 + id%0x40)) // never 0, 1 or -1
	case reflect.Int16:
		v.SetInt(int64(0x4000 | id&0x3fff))
	case reflect.Uint16:
		v.SetUint(uint64(0x4000 | id&0x3fff))
	case reflect.Int32:
		v.SetInt(int64(0x5a000000 | id&0xffffff))
	case reflect.Uint32:
		v.SetUint(uint64(0x5a000000 | id&0xffffff))
	case reflect.Int64:
		v.SetInt(int64(0x5b00000000000000 | uint64(id)))
	case reflect.Float64:
		v.SetFloat(math.Float64frombits(0x4c00000000000000 | uint64(id)))
	case reflect.String:
		v.SetString("q" + strconv.FormatUint(uint64(id), 36))
	case reflect.Array: // [16]byte uuid
		for i := 0; i < v.Len(); i++ {
			v.Index(i).SetUint(uint64(0x5d + byte(id>>(8*(i%4)))))
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte("b" + strconv.FormatUint(uint64(id), 36)))
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		p.fill(v.Index(0))
	case reflect.Struct:
		p.fillStruct(v, false)
	case reflect.Ptr:
		v.Set(reflect.New(v.Type().Elem()))
		p.fill(v.Elem())
	}
}

// matcher walks kmsg's encoding of a probe request alongside its Go value.
type matcher struct {
	buf      []byte
	pos      int
	flexible bool
}

// match tries to recognise v's encoding at the current position. On a miss
// the position is unchanged.
func (m *matcher) match(v reflect.Value) (*shape, bool) {
	start := m.pos
	s, ok := m.matchValue(v)
	if !ok {
		m.pos = start
	}
	return s, ok
}

func (m *matcher) matchValue(v reflect.Value) (*shape, bool) {
	switch v.Kind() {
	case reflect.Bool, reflect.Int8, reflect.Int16, reflect.Uint16, reflect.Int32,
		reflect.Uint32, reflect.Int64, reflect.Float64, reflect.Array:
		want := fixedBytes(v)
		if !m.expect(want) {
			return nil, false
		}
		return &shape{kind: shapeFixed, size: len(want)}, true
	case reflect.String:
		return &shape{kind: shapeString}, m.expect(m.lengthPrefixed([]byte(v.String()), 2))
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return &shape{kind: shapeBytes}, m.expect(m.lengthPrefixed(v.Bytes(), 4))
		}
		return m.matchArray(v)
	case reflect.Struct:
		return m.matchInlineStruct(v)
	case reflect.Ptr:
		if v.Elem().Kind() == reflect.String {
			return &shape{kind: shapeString}, m.expect(m.lengthPrefixed([]byte(v.Elem().String()), 2))
		}
		if !m.expect([]byte{1}) {
			return nil, false
		}
		s, ok := m.matchStruct(v.Elem(), false)
		if !ok {
			return nil, false
		}
		s.kind = shapeNullableStruct
		return s, true
	}
	return nil, false
}

// matchInlineStruct matches a struct-typed field. A struct that matched no
// inline field is not inline at this version (its tag-section byte would
// otherwise be mistaken for a neighbour's).
func (m *matcher) matchInlineStruct(v reflect.Value) (*shape, bool) {
	s, ok := m.matchStruct(v, false)
	if !ok || len(s.fields) == 0 {
		return nil, false
	}
	return s, true
}

func (m *matcher) matchArray(v reflect.Value) (*shape, bool) {
	var prefix []byte
	if m.flexible {
		prefix = binary.AppendUvarint(nil, 2) // one element, compact: count+1
	} else {
		prefix = []byte{0, 0, 0, 1}
	}
	if !m.expect(prefix) {
		return nil, false
	}
	elem, ok := m.match(v.Index(0))
	if !ok {
		return nil, false
	}
	return &shape{kind: shapeArray, elem: elem}, true
}

// matchStruct matches a struct's inline fields in order and then, for
// flexible versions, its tagged section, attributing each tag to the field
// whose encoding fills the tag's bytes exactly.
func (m *matcher) matchStruct(v reflect.Value, top bool) (*shape, bool) {
	start := m.pos
	s := &shape{kind: shapeStruct}
	var notInline []reflect.Value
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if skipField(t.Field(i), top) {
			continue
		}
		fv := v.Field(i)
		if fs, ok := m.match(fv); ok {
			s.fields = append(s.fields, fs)
		} else {
			notInline = append(notInline, fv)
		}
	}
	if !m.flexible {
		return s, true
	}
	if !m.matchTags(s, notInline) {
		m.pos = start
		return nil, false
	}
	return s, true
}

func (m *matcher) matchTags(s *shape, candidates []reflect.Value) bool {
	n, ok := m.uvarint()
	if !ok {
		return false
	}
	for i := uint64(0); i < n; i++ {
		key, ok1 := m.uvarint()
		size, ok2 := m.uvarint()
		if !ok1 || !ok2 || size > uint64(len(m.buf)-m.pos) {
			return false
		}
		span := m.buf[m.pos : m.pos+int(size)]
		m.pos += int(size)
		idx := -1
		for j, c := range candidates {
			sub := matcher{buf: span, flexible: m.flexible}
			if fs, ok := sub.match(c); ok && sub.pos == len(span) {
				if s.tagged == nil {
					s.tagged = make(map[uint32]*shape)
				}
				s.tagged[uint32(key)] = fs
				idx = j
				break
			}
		}
		if idx < 0 {
			return false
		}
		candidates = append(candidates[:idx], candidates[idx+1:]...)
	}
	return true
}

func (m *matcher) expect(want []byte) bool {
	if len(m.buf)-m.pos < len(want) || string(m.buf[m.pos:m.pos+len(want)]) != string(want) {
		return false
	}
	m.pos += len(want)
	return true
}

func (m *matcher) uvarint() (uint64, bool) {
	u, n := binary.Uvarint(m.buf[m.pos:])
	if n <= 0 {
		return 0, false
	}
	m.pos += n
	return u, true
}

// lengthPrefixed encodes b as kmsg does: compact (uvarint len+1) when
// flexible, otherwise a big-endian length of width bytes.
func (m *matcher) lengthPrefixed(b []byte, width int) []byte {
	var out []byte
	switch {
	case m.flexible:
		out = binary.AppendUvarint(out, uint64(len(b))+1)
	case width == 2:
		out = binary.BigEndian.AppendUint16(out, uint16(len(b)))
	default:
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
	}
	return append(out, b...)
}

// fixedBytes is the big-endian encoding of a fixed-width value.
func fixedBytes(v reflect.Value) []byte {
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return []byte{1}
		}
		return []byte{0}
	case reflect.Int8:
		return []byte{byte(v.Int())}
	case reflect.Int16:
		return binary.BigEndian.AppendUint16(nil, uint16(v.Int()))
	case reflect.Uint16:
		return binary.BigEndian.AppendUint16(nil, uint16(v.Uint()))
	case reflect.Int32:
		return binary.BigEndian.AppendUint32(nil, uint32(v.Int()))
	case reflect.Uint32:
		return binary.BigEndian.AppendUint32(nil, uint32(v.Uint()))
	case reflect.Int64:
		return binary.BigEndian.AppendUint64(nil, uint64(v.Int()))
	case reflect.Float64:
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(v.Float()))
	case reflect.Array:
		out := make([]byte, v.Len())
		for i := range out {
			out[i] = byte(v.Index(i).Uint())
		}
		return out
	}
	return nil
}
