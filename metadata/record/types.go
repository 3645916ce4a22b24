package record

import "fmt"

// Type identifies a record type in the entry encoding. Values are part of
// the on-disk format: never renumber or reuse one.
type Type uint16

// The record types. Numbering is Skiff's own; names follow KRaft's.
const (
	TypeRegisterBroker           Type = 1
	TypeBrokerRegistrationChange Type = 2
	TypeUnregisterBroker         Type = 3
	TypeTopic                    Type = 4
	TypePartition                Type = 5
	TypePartitionChange          Type = 6
	TypeConfig                   Type = 7
	TypeProducerIDs              Type = 8
	TypeRemoveTopic              Type = 9
	TypeNoOp                     Type = 10
)

func (t Type) String() string {
	switch t {
	case TypeRegisterBroker:
		return "RegisterBroker"
	case TypeBrokerRegistrationChange:
		return "BrokerRegistrationChange"
	case TypeUnregisterBroker:
		return "UnregisterBroker"
	case TypeTopic:
		return "Topic"
	case TypePartition:
		return "Partition"
	case TypePartitionChange:
		return "PartitionChange"
	case TypeConfig:
		return "Config"
	case TypeProducerIDs:
		return "ProducerIDs"
	case TypeRemoveTopic:
		return "RemoveTopic"
	case TypeNoOp:
		return "NoOp"
	}
	return fmt.Sprintf("Type(%d)", uint16(t))
}

// Record is one metadata record. The set of implementations is closed: the
// pointer types in this package (*Topic, *Partition, ...).
type Record interface {
	// Type is the record's type in the entry encoding.
	Type() Type
	// Version is the body version this package writes for the type.
	Version() uint16

	appendBody(b []byte) []byte
	// decodeBody reads a body written at the given version: fields the
	// version lacks keep their defaults (set by newRecord).
	decodeBody(d *decoder, version uint16)
}

// newRecord returns a zero record of type t with every field that a later
// version might add set to its documented default, or nil for an unknown
// type.
func newRecord(t Type) Record {
	switch t {
	case TypeRegisterBroker:
		return &RegisterBroker{}
	case TypeBrokerRegistrationChange:
		return &BrokerRegistrationChange{}
	case TypeUnregisterBroker:
		return &UnregisterBroker{}
	case TypeTopic:
		return &Topic{}
	case TypePartition:
		return &Partition{}
	case TypePartitionChange:
		return &PartitionChange{}
	case TypeConfig:
		return &Config{}
	case TypeProducerIDs:
		return &ProducerIDs{}
	case TypeRemoveTopic:
		return &RemoveTopic{}
	case TypeNoOp:
		return &NoOp{}
	}
	return nil
}

// Kafka's security protocol ids, as carried in Endpoint.SecurityProtocol.
const (
	SecurityProtocolPlaintext     int16 = 0
	SecurityProtocolSSL           int16 = 1
	SecurityProtocolSASLPlaintext int16 = 2
	SecurityProtocolSASLSSL       int16 = 3
)

// Endpoint is one listener a broker advertises.
type Endpoint struct {
	Name             string // listener name, e.g. PLAINTEXT
	Host             string
	Port             uint16
	SecurityProtocol int16 // Kafka's SecurityProtocol id
}

// RegisterBroker registers (or re-registers) a broker with a new broker
// epoch. A later registration of the same id replaces the earlier one and
// must carry a higher epoch.
//
// Body v0: BrokerID int32, IncarnationID uuid, BrokerEpoch int64,
// Endpoints [count, then Name string, Host string, Port uint16,
// SecurityProtocol int16 each], Rack string ("" = no rack), Fenced bool,
// InControlledShutdown bool.
type RegisterBroker struct {
	BrokerID             int32
	IncarnationID        UUID
	BrokerEpoch          int64
	Endpoints            []Endpoint
	Rack                 string
	Fenced               bool
	InControlledShutdown bool
}

func (*RegisterBroker) Type() Type      { return TypeRegisterBroker }
func (*RegisterBroker) Version() uint16 { return 0 }

func (r *RegisterBroker) appendBody(b []byte) []byte {
	b = appendInt(b, int64(r.BrokerID))
	b = appendUUID(b, r.IncarnationID)
	b = appendInt(b, r.BrokerEpoch)
	b = appendUint(b, uint64(len(r.Endpoints)))
	for _, e := range r.Endpoints {
		b = appendString(b, e.Name)
		b = appendString(b, e.Host)
		b = appendUint(b, uint64(e.Port))
		b = appendInt(b, int64(e.SecurityProtocol))
	}
	b = appendString(b, r.Rack)
	b = appendBool(b, r.Fenced)
	return appendBool(b, r.InControlledShutdown)
}

func (r *RegisterBroker) decodeBody(d *decoder, _ uint16) {
	r.BrokerID = d.int32("broker id")
	r.IncarnationID = d.uuid("incarnation id")
	r.BrokerEpoch = d.int64("broker epoch")
	// An endpoint takes at least 4 bytes (two empty strings, port, protocol).
	if n := d.length("endpoint count", 4); n > 0 {
		r.Endpoints = make([]Endpoint, n)
		for i := range r.Endpoints {
			e := &r.Endpoints[i]
			e.Name = d.string("endpoint name")
			e.Host = d.string("endpoint host")
			e.Port = d.uint16("endpoint port")
			e.SecurityProtocol = d.int16("endpoint security protocol")
		}
	}
	r.Rack = d.string("rack")
	r.Fenced = d.bool("fenced")
	r.InControlledShutdown = d.bool("in controlled shutdown")
}

// Values of BrokerRegistrationChange.Fenced (KRaft's encoding).
const (
	Unfence        int8 = -1
	FenceUnchanged int8 = 0
	Fence          int8 = 1
)

// Values of BrokerRegistrationChange.InControlledShutdown.
const (
	ShutdownUnchanged       int8 = 0
	EnterControlledShutdown int8 = 1
)

// BrokerRegistrationChange fences, unfences or marks in controlled
// shutdown the registration with exactly BrokerEpoch; applying it to any
// other registration of the broker is rejected (a stale decision).
//
// Body v0: BrokerID int32, BrokerEpoch int64, Fenced int8 (-1 unfence,
// 0 no change, 1 fence), InControlledShutdown int8 (0 no change, 1 enter).
type BrokerRegistrationChange struct {
	BrokerID             int32
	BrokerEpoch          int64
	Fenced               int8
	InControlledShutdown int8
}

func (*BrokerRegistrationChange) Type() Type      { return TypeBrokerRegistrationChange }
func (*BrokerRegistrationChange) Version() uint16 { return 0 }

func (r *BrokerRegistrationChange) appendBody(b []byte) []byte {
	b = appendInt(b, int64(r.BrokerID))
	b = appendInt(b, r.BrokerEpoch)
	b = appendInt(b, int64(r.Fenced))
	return appendInt(b, int64(r.InControlledShutdown))
}

func (r *BrokerRegistrationChange) decodeBody(d *decoder, _ uint16) {
	r.BrokerID = d.int32("broker id")
	r.BrokerEpoch = d.int64("broker epoch")
	r.Fenced = d.int8("fenced")
	r.InControlledShutdown = d.int8("in controlled shutdown")
}

// UnregisterBroker removes the registration with exactly BrokerEpoch.
//
// Body v0: BrokerID int32, BrokerEpoch int64.
type UnregisterBroker struct {
	BrokerID    int32
	BrokerEpoch int64
}

func (*UnregisterBroker) Type() Type      { return TypeUnregisterBroker }
func (*UnregisterBroker) Version() uint16 { return 0 }

func (r *UnregisterBroker) appendBody(b []byte) []byte {
	b = appendInt(b, int64(r.BrokerID))
	return appendInt(b, r.BrokerEpoch)
}

func (r *UnregisterBroker) decodeBody(d *decoder, _ uint16) {
	r.BrokerID = d.int32("broker id")
	r.BrokerEpoch = d.int64("broker epoch")
}

// Topic creates a topic with no partitions; Partition records that follow
// (normally in the same entry) add them.
//
// Body v0: Name string, TopicID uuid.
type Topic struct {
	Name    string
	TopicID UUID
}

func (*Topic) Type() Type      { return TypeTopic }
func (*Topic) Version() uint16 { return 0 }

func (r *Topic) appendBody(b []byte) []byte {
	b = appendString(b, r.Name)
	return appendUUID(b, r.TopicID)
}

func (r *Topic) decodeBody(d *decoder, _ uint16) {
	r.Name = d.string("topic name")
	r.TopicID = d.uuid("topic id")
}

// NoLeader is the Leader of a partition without one (Kafka's -1).
const NoLeader int32 = -1

// Leader recovery states (Kafka's LeaderRecoveryState, KIP-704).
const (
	LeaderRecovered  int8 = 0
	LeaderRecovering int8 = 1
)

// Partition creates one partition of an existing topic, or (in a snapshot)
// restores its full state.
//
// Body v0: TopicID uuid, PartitionID int32, Replicas []int32, ISR []int32,
// RemovingReplicas []int32, AddingReplicas []int32, Leader int32,
// LeaderEpoch int32, PartitionEpoch int32, LeaderRecoveryState int8.
//
// Room to grow: eligible leader replicas (KIP-966) and directory
// assignments will be appended as a v1 body.
type Partition struct {
	TopicID             UUID
	PartitionID         int32
	Replicas            []int32 // preferred order; Replicas[0] is the preferred leader
	ISR                 []int32
	RemovingReplicas    []int32 // reassignment in progress: leaving
	AddingReplicas      []int32 // reassignment in progress: joining
	Leader              int32   // NoLeader if none
	LeaderEpoch         int32
	PartitionEpoch      int32
	LeaderRecoveryState int8
}

func (*Partition) Type() Type      { return TypePartition }
func (*Partition) Version() uint16 { return 0 }

func (r *Partition) appendBody(b []byte) []byte {
	b = appendUUID(b, r.TopicID)
	b = appendInt(b, int64(r.PartitionID))
	b = appendInt32s(b, r.Replicas)
	b = appendInt32s(b, r.ISR)
	b = appendInt32s(b, r.RemovingReplicas)
	b = appendInt32s(b, r.AddingReplicas)
	b = appendInt(b, int64(r.Leader))
	b = appendInt(b, int64(r.LeaderEpoch))
	b = appendInt(b, int64(r.PartitionEpoch))
	return appendInt(b, int64(r.LeaderRecoveryState))
}

func (r *Partition) decodeBody(d *decoder, _ uint16) {
	r.TopicID = d.uuid("topic id")
	r.PartitionID = d.int32("partition id")
	r.Replicas = d.int32s("replicas")
	r.ISR = d.int32s("isr")
	r.RemovingReplicas = d.int32s("removing replicas")
	r.AddingReplicas = d.int32s("adding replicas")
	r.Leader = d.int32("leader")
	r.LeaderEpoch = d.int32("leader epoch")
	r.PartitionEpoch = d.int32("partition epoch")
	r.LeaderRecoveryState = d.int8("leader recovery state")
}

// NoLeaderChange in PartitionChange.Leader means "keep the current leader"
// (Kafka's -2).
const NoLeaderChange int32 = -2

// NoRecoveryStateChange in PartitionChange.LeaderRecoveryState means "keep
// the current state".
const NoRecoveryStateChange int8 = -1

// PartitionChange changes one partition. It applies only if the partition's
// current PartitionEpoch equals the record's PartitionEpoch (compare and
// set: a decision made on stale state is rejected at apply time); applying
// bumps the partition epoch, and bumps the leader epoch whenever Leader is
// not NoLeaderChange. Nil slices mean "no change"; a non-nil empty slice
// means "now empty".
//
// Body v0: TopicID uuid, PartitionID int32, PartitionEpoch int32,
// Leader int32, ISR nullable []int32, Replicas nullable []int32,
// RemovingReplicas nullable []int32, AddingReplicas nullable []int32,
// LeaderRecoveryState int8.
type PartitionChange struct {
	TopicID             UUID
	PartitionID         int32
	PartitionEpoch      int32 // the epoch this change was decided against
	Leader              int32 // NoLeaderChange, NoLeader, or a broker id
	ISR                 []int32
	Replicas            []int32
	RemovingReplicas    []int32
	AddingReplicas      []int32
	LeaderRecoveryState int8 // NoRecoveryStateChange or a new state
}

func (*PartitionChange) Type() Type      { return TypePartitionChange }
func (*PartitionChange) Version() uint16 { return 0 }

func (r *PartitionChange) appendBody(b []byte) []byte {
	b = appendUUID(b, r.TopicID)
	b = appendInt(b, int64(r.PartitionID))
	b = appendInt(b, int64(r.PartitionEpoch))
	b = appendInt(b, int64(r.Leader))
	b = appendNullableInt32s(b, r.ISR)
	b = appendNullableInt32s(b, r.Replicas)
	b = appendNullableInt32s(b, r.RemovingReplicas)
	b = appendNullableInt32s(b, r.AddingReplicas)
	return appendInt(b, int64(r.LeaderRecoveryState))
}

func (r *PartitionChange) decodeBody(d *decoder, _ uint16) {
	r.TopicID = d.uuid("topic id")
	r.PartitionID = d.int32("partition id")
	r.PartitionEpoch = d.int32("partition epoch")
	r.Leader = d.int32("leader")
	r.ISR = d.nullableInt32s("isr")
	r.Replicas = d.nullableInt32s("replicas")
	r.RemovingReplicas = d.nullableInt32s("removing replicas")
	r.AddingReplicas = d.nullableInt32s("adding replicas")
	r.LeaderRecoveryState = d.int8("leader recovery state")
}

// Config resource types, as Kafka's ConfigResource.Type ids.
const (
	ResourceTopic  int8 = 2
	ResourceBroker int8 = 4
)

// Config sets (Value non-nil) or deletes (Value nil) one dynamic config
// override. For ResourceBroker, ResourceName "" is the cluster-wide default
// and a decimal broker id is that broker's override.
//
// Body v0: ResourceType int8, ResourceName string, Name string,
// Value nullable string.
type Config struct {
	ResourceType int8
	ResourceName string
	Name         string
	Value        *string
}

func (*Config) Type() Type      { return TypeConfig }
func (*Config) Version() uint16 { return 0 }

func (r *Config) appendBody(b []byte) []byte {
	b = appendInt(b, int64(r.ResourceType))
	b = appendString(b, r.ResourceName)
	b = appendString(b, r.Name)
	return appendNullableString(b, r.Value)
}

func (r *Config) decodeBody(d *decoder, _ uint16) {
	r.ResourceType = d.int8("resource type")
	r.ResourceName = d.string("resource name")
	r.Name = d.string("config name")
	r.Value = d.nullableString("config value")
}

// ProducerIDs records that the broker (at BrokerEpoch) was given the block
// of producer ids that ends just before NextProducerID; the cluster's next
// free producer id becomes NextProducerID, which must exceed the previous
// one.
//
// Body v0: BrokerID int32, BrokerEpoch int64, NextProducerID int64.
type ProducerIDs struct {
	BrokerID       int32
	BrokerEpoch    int64
	NextProducerID int64
}

func (*ProducerIDs) Type() Type      { return TypeProducerIDs }
func (*ProducerIDs) Version() uint16 { return 0 }

func (r *ProducerIDs) appendBody(b []byte) []byte {
	b = appendInt(b, int64(r.BrokerID))
	b = appendInt(b, r.BrokerEpoch)
	return appendInt(b, r.NextProducerID)
}

func (r *ProducerIDs) decodeBody(d *decoder, _ uint16) {
	r.BrokerID = d.int32("broker id")
	r.BrokerEpoch = d.int64("broker epoch")
	r.NextProducerID = d.int64("next producer id")
}

// RemoveTopic deletes a topic, its partitions and its config overrides.
//
// Body v0: TopicID uuid.
type RemoveTopic struct {
	TopicID UUID
}

func (*RemoveTopic) Type() Type      { return TypeRemoveTopic }
func (*RemoveTopic) Version() uint16 { return 0 }

func (r *RemoveTopic) appendBody(b []byte) []byte { return appendUUID(b, r.TopicID) }

func (r *RemoveTopic) decodeBody(d *decoder, _ uint16) { r.TopicID = d.uuid("topic id") }

// NoOp changes nothing. A new controller may write one to learn that its
// term's first entry has committed.
//
// Body v0: empty.
type NoOp struct{}

func (*NoOp) Type() Type                  { return TypeNoOp }
func (*NoOp) Version() uint16             { return 0 }
func (*NoOp) appendBody(b []byte) []byte  { return b }
func (*NoOp) decodeBody(*decoder, uint16) {}
