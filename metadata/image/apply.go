package image

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/skiffhq/skiff/metadata/record"
)

// Apply applies the records of the entry at (offset, term) and returns the
// new image and what changed. If any record fails validation, Apply
// returns the receiver unchanged, a nil Delta and an *ApplyError: an entry
// applies completely or not at all. offset must exceed img.Offset().
func (img *Image) Apply(offset int64, term uint64, records []record.Record) (*Image, *Delta, error) {
	if offset <= img.offset {
		return img, nil, fmt.Errorf("apply entry at offset %d to image at %d: %w", offset, img.offset, ErrStaleOffset)
	}
	a := applier{img: *img, touched: newTouched()}
	if err := a.applyAll(records); err != nil {
		return img, nil, err
	}
	a.img.offset, a.img.term = offset, term
	next := &a.img
	return next, a.touched.delta(img, next), nil
}

// applier applies records to a private copy of an image. Because the maps
// are persistent, the copy is a handful of pointers and each update
// allocates only the path it changes.
//
// Topics changed by the entry are drafts: private copies modified in place
// and written into the topic map once, when the entry is complete, so an
// entry creating a topic with n partitions costs one map update, not n+1.
type applier struct {
	img        Image
	touched    *touched          // nil when no delta is wanted (snapshot restore)
	drafts     map[string]*Topic // name -> private copy; nil value = removed
	draftOrder []string
}

// applyAll applies records and, if all succeed, publishes the drafts into
// a.img. On error a.img is left part-way and must be discarded.
func (a *applier) applyAll(records []record.Record) error {
	for i, r := range records {
		if err := a.apply(r); err != nil {
			return &ApplyError{Index: i, Record: r, Err: err}
		}
	}
	for _, name := range a.draftOrder {
		if t := a.drafts[name]; t == nil {
			a.img.topics = a.img.topics.Delete(name)
		} else {
			a.img.topics = a.img.topics.Set(name, t)
		}
	}
	a.drafts, a.draftOrder = nil, a.draftOrder[:0]
	return nil
}

// topic looks a topic up by name, seeing this entry's changes.
func (a *applier) topic(name string) (*Topic, bool) {
	if t, ok := a.drafts[name]; ok {
		return t, t != nil
	}
	return a.img.topics.Get(name)
}

// draft returns a private copy of t that may be modified in place.
func (a *applier) draft(t *Topic) *Topic {
	if d := a.drafts[t.name]; d == t {
		return d
	}
	c := *t
	a.setDraft(t.name, &c)
	return &c
}

func (a *applier) setDraft(name string, t *Topic) {
	if a.drafts == nil {
		a.drafts = map[string]*Topic{}
	}
	if _, ok := a.drafts[name]; !ok {
		a.draftOrder = append(a.draftOrder, name)
	}
	a.drafts[name] = t
}

func (a *applier) apply(r record.Record) error {
	switch r := r.(type) {
	case *record.RegisterBroker:
		return a.registerBroker(r)
	case *record.BrokerRegistrationChange:
		return a.changeBroker(r)
	case *record.UnregisterBroker:
		return a.unregisterBroker(r)
	case *record.Topic:
		return a.createTopic(r)
	case *record.Partition:
		return a.createPartition(r)
	case *record.PartitionChange:
		return a.changePartition(r)
	case *record.Config:
		return a.setConfig(r)
	case *record.ProducerIDs:
		return a.allocateProducerIDs(r)
	case *record.RemoveTopic:
		return a.removeTopic(r)
	case *record.NoOp:
		return nil
	case nil:
		return fmt.Errorf("%w: nil record", ErrInvalidRecord)
	}
	return fmt.Errorf("%w: unhandled record type %s", ErrInvalidRecord, r.Type())
}

func (a *applier) registerBroker(r *record.RegisterBroker) error {
	if r.BrokerID < 0 {
		return fmt.Errorf("%w: broker id %d", ErrInvalidRecord, r.BrokerID)
	}
	if r.BrokerEpoch < 0 {
		return fmt.Errorf("%w: broker epoch %d", ErrInvalidRecord, r.BrokerEpoch)
	}
	names := make(map[string]bool, len(r.Endpoints))
	for _, e := range r.Endpoints {
		if e.Name == "" || names[e.Name] {
			return fmt.Errorf("%w: broker %d: empty or duplicate listener name %q", ErrInvalidRecord, r.BrokerID, e.Name)
		}
		names[e.Name] = true
	}
	if old, ok := a.img.brokers.Get(r.BrokerID); ok && r.BrokerEpoch <= old.Epoch {
		return fmt.Errorf("%w: broker %d registration epoch %d is not above current %d", ErrStaleBrokerEpoch, r.BrokerID, r.BrokerEpoch, old.Epoch)
	}
	a.putBroker(&Broker{
		ID:                   r.BrokerID,
		IncarnationID:        r.IncarnationID,
		Epoch:                r.BrokerEpoch,
		Endpoints:            slices.Clone(r.Endpoints),
		Rack:                 r.Rack,
		Fenced:               r.Fenced,
		InControlledShutdown: r.InControlledShutdown,
	})
	return nil
}

// currentBroker returns the registration of id if its epoch is exactly
// epoch: broker changes are decided against one registration and must not
// touch a newer one.
func (a *applier) currentBroker(id int32, epoch int64) (*Broker, error) {
	b, ok := a.img.brokers.Get(id)
	if !ok {
		return nil, fmt.Errorf("%w: broker %d", ErrUnknownBroker, id)
	}
	if b.Epoch != epoch {
		return nil, fmt.Errorf("%w: broker %d has epoch %d, record has %d", ErrStaleBrokerEpoch, id, b.Epoch, epoch)
	}
	return b, nil
}

func (a *applier) changeBroker(r *record.BrokerRegistrationChange) error {
	old, err := a.currentBroker(r.BrokerID, r.BrokerEpoch)
	if err != nil {
		return err
	}
	next := *old
	switch r.Fenced {
	case record.Unfence:
		next.Fenced = false
	case record.Fence:
		next.Fenced = true
	case record.FenceUnchanged:
	default:
		return fmt.Errorf("%w: fenced change %d", ErrInvalidRecord, r.Fenced)
	}
	switch r.InControlledShutdown {
	case record.EnterControlledShutdown:
		next.InControlledShutdown = true
	case record.ShutdownUnchanged:
	default:
		return fmt.Errorf("%w: controlled shutdown change %d", ErrInvalidRecord, r.InControlledShutdown)
	}
	a.putBroker(&next)
	return nil
}

func (a *applier) unregisterBroker(r *record.UnregisterBroker) error {
	if _, err := a.currentBroker(r.BrokerID, r.BrokerEpoch); err != nil {
		return err
	}
	a.img.brokers = a.img.brokers.Delete(r.BrokerID)
	a.touched.broker(r.BrokerID)
	return nil
}

func (a *applier) putBroker(b *Broker) {
	a.img.brokers = a.img.brokers.Set(b.ID, b)
	a.touched.broker(b.ID)
}

func (a *applier) createTopic(r *record.Topic) error {
	switch {
	case r.Name == "":
		return fmt.Errorf("%w: empty topic name", ErrInvalidRecord)
	case r.TopicID.IsZero() || r.TopicID == record.MetadataTopicID:
		return fmt.Errorf("%w: reserved topic id %s", ErrInvalidRecord, r.TopicID)
	}
	if _, ok := a.topic(r.Name); ok {
		return fmt.Errorf("%w: %q", ErrTopicExists, r.Name)
	}
	if name, ok := a.img.topicNames.Get(r.TopicID); ok {
		return fmt.Errorf("%w: %s (topic %q)", ErrTopicIDExists, r.TopicID, name)
	}
	key := collisionKey(r.Name)
	if other, ok := a.img.normalized.Get(key); ok {
		return fmt.Errorf("%w: %q collides with %q", ErrTopicNameCollision, r.Name, other)
	}
	a.setDraft(r.Name, newTopic(r.Name, r.TopicID))
	a.img.topicNames = a.img.topicNames.Set(r.TopicID, r.Name)
	a.img.normalized = a.img.normalized.Set(key, r.Name)
	a.touched.topic(r.TopicID)
	return nil
}

func (a *applier) topicByID(id record.UUID) (*Topic, error) {
	name, ok := a.img.topicNames.Get(id)
	if !ok {
		return nil, fmt.Errorf("%w: id %s", ErrUnknownTopic, id)
	}
	t, _ := a.topic(name)
	return t, nil
}

func (a *applier) createPartition(r *record.Partition) error {
	t, err := a.topicByID(r.TopicID)
	if err != nil {
		return err
	}
	if n := t.partitions.Len(); int(r.PartitionID) != n {
		if r.PartitionID >= 0 && int(r.PartitionID) < n {
			return fmt.Errorf("%w: %s-%d", ErrPartitionExists, t.name, r.PartitionID)
		}
		return fmt.Errorf("%w: %s-%d would leave a gap after %d partitions", ErrInvalidRecord, t.name, r.PartitionID, n)
	}
	p := &Partition{
		TopicID:             r.TopicID,
		ID:                  r.PartitionID,
		Replicas:            slices.Clone(r.Replicas),
		ISR:                 slices.Clone(r.ISR),
		RemovingReplicas:    slices.Clone(r.RemovingReplicas),
		AddingReplicas:      slices.Clone(r.AddingReplicas),
		Leader:              r.Leader,
		LeaderEpoch:         r.LeaderEpoch,
		PartitionEpoch:      r.PartitionEpoch,
		LeaderRecoveryState: r.LeaderRecoveryState,
	}
	if err := validatePartition(p); err != nil {
		return fmt.Errorf("%s-%d: %w", t.name, r.PartitionID, err)
	}
	d := a.draft(t)
	d.partitions = d.partitions.Append(p)
	a.img.partitionCount++
	a.touched.partition(r.TopicID, r.PartitionID)
	return nil
}

func (a *applier) changePartition(r *record.PartitionChange) error {
	t, err := a.topicByID(r.TopicID)
	if err != nil {
		return err
	}
	old, ok := t.Partition(r.PartitionID)
	if !ok {
		return fmt.Errorf("%w: %s-%d", ErrUnknownPartition, t.name, r.PartitionID)
	}
	if old.PartitionEpoch != r.PartitionEpoch {
		return fmt.Errorf("%w: %s-%d is at partition epoch %d, change was decided at %d", ErrStalePartitionEpoch, t.name, r.PartitionID, old.PartitionEpoch, r.PartitionEpoch)
	}
	p, err := changedPartition(old, r)
	if err != nil {
		return fmt.Errorf("%s-%d: %w", t.name, r.PartitionID, err)
	}
	d := a.draft(t)
	d.partitions = d.partitions.Set(int(r.PartitionID), p)
	a.touched.partition(r.TopicID, r.PartitionID)
	return nil
}

// changedPartition is old with r applied, epochs bumped, and validated.
func changedPartition(old *Partition, r *record.PartitionChange) (*Partition, error) {
	if old.PartitionEpoch == math.MaxInt32 || old.LeaderEpoch == math.MaxInt32 {
		return nil, fmt.Errorf("%w: epoch exhausted", ErrInvalidRecord)
	}
	p := *old
	p.PartitionEpoch++
	if r.Leader != record.NoLeaderChange {
		p.Leader = r.Leader
		p.LeaderEpoch++
	}
	if r.ISR != nil {
		p.ISR = slices.Clone(r.ISR)
	}
	if r.Replicas != nil {
		p.Replicas = slices.Clone(r.Replicas)
	}
	if r.RemovingReplicas != nil {
		p.RemovingReplicas = nilIfEmpty(r.RemovingReplicas)
	}
	if r.AddingReplicas != nil {
		p.AddingReplicas = nilIfEmpty(r.AddingReplicas)
	}
	if r.LeaderRecoveryState != record.NoRecoveryStateChange {
		p.LeaderRecoveryState = r.LeaderRecoveryState
	}
	if len(p.ISR) == 0 {
		p.ISR = nil
	}
	if err := validatePartition(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// nilIfEmpty keeps partitions canonical: an empty list is stored as nil,
// as a decoded Partition record would have it.
func nilIfEmpty(s []int32) []int32 {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// validatePartition checks the invariants every partition state keeps.
func validatePartition(p *Partition) error {
	switch {
	case len(p.Replicas) == 0:
		return fmt.Errorf("%w: no replicas", ErrInvalidRecord)
	case !distinctBrokerIDs(p.Replicas):
		return fmt.Errorf("%w: replicas %v have duplicates or negative ids", ErrInvalidRecord, p.Replicas)
	case !distinctBrokerIDs(p.ISR) || !subset(p.ISR, p.Replicas):
		return fmt.Errorf("%w: isr %v is not a set of replicas %v", ErrInvalidRecord, p.ISR, p.Replicas)
	case !distinctBrokerIDs(p.AddingReplicas) || !subset(p.AddingReplicas, p.Replicas):
		return fmt.Errorf("%w: adding replicas %v not within replicas %v", ErrInvalidRecord, p.AddingReplicas, p.Replicas)
	case !distinctBrokerIDs(p.RemovingReplicas) || !subset(p.RemovingReplicas, p.Replicas):
		return fmt.Errorf("%w: removing replicas %v not within replicas %v", ErrInvalidRecord, p.RemovingReplicas, p.Replicas)
	case p.Leader != record.NoLeader && !slices.Contains(p.ISR, p.Leader):
		return fmt.Errorf("%w: leader %d not in isr %v", ErrInvalidRecord, p.Leader, p.ISR)
	case p.LeaderEpoch < 0 || p.PartitionEpoch < 0:
		return fmt.Errorf("%w: negative epoch", ErrInvalidRecord)
	case p.LeaderRecoveryState != record.LeaderRecovered && p.LeaderRecoveryState != record.LeaderRecovering:
		return fmt.Errorf("%w: leader recovery state %d", ErrInvalidRecord, p.LeaderRecoveryState)
	}
	return nil
}

func distinctBrokerIDs(ids []int32) bool {
	for i, id := range ids {
		if id < 0 || slices.Contains(ids[:i], id) {
			return false
		}
	}
	return true
}

func subset(sub, set []int32) bool {
	for _, id := range sub {
		if !slices.Contains(set, id) {
			return false
		}
	}
	return true
}

func (a *applier) setConfig(r *record.Config) error {
	if r.Name == "" {
		return fmt.Errorf("%w: empty config name", ErrInvalidRecord)
	}
	switch r.ResourceType {
	case record.ResourceTopic:
		return a.setTopicConfig(r)
	case record.ResourceBroker:
		return a.setBrokerConfig(r)
	}
	return fmt.Errorf("%w: config resource type %d", ErrInvalidRecord, r.ResourceType)
}

func (a *applier) setTopicConfig(r *record.Config) error {
	t, ok := a.topic(r.ResourceName)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownTopic, r.ResourceName)
	}
	d := a.draft(t)
	if r.Value == nil {
		d.configs = d.configs.Delete(r.Name)
	} else {
		d.configs = d.configs.Set(r.Name, *r.Value)
	}
	a.touched.config(record.ResourceTopic, r.ResourceName, r.Name)
	return nil
}

func (a *applier) setBrokerConfig(r *record.Config) error {
	if r.ResourceName != "" {
		if id, err := strconv.ParseInt(r.ResourceName, 10, 32); err != nil || id < 0 || strconv.Itoa(int(id)) != r.ResourceName {
			return fmt.Errorf("%w: broker config resource %q is neither \"\" nor a broker id", ErrInvalidRecord, r.ResourceName)
		}
	}
	m, ok := a.img.brokerConfigs.Get(r.ResourceName)
	if !ok {
		m = newConfigMap()
	}
	if r.Value == nil {
		m = m.Delete(r.Name)
	} else {
		m = m.Set(r.Name, *r.Value)
	}
	if m.Len() == 0 {
		a.img.brokerConfigs = a.img.brokerConfigs.Delete(r.ResourceName)
	} else {
		a.img.brokerConfigs = a.img.brokerConfigs.Set(r.ResourceName, m)
	}
	a.touched.config(record.ResourceBroker, r.ResourceName, r.Name)
	return nil
}

func (a *applier) allocateProducerIDs(r *record.ProducerIDs) error {
	if r.NextProducerID <= a.img.nextProducerID {
		return fmt.Errorf("%w: next producer id %d, current %d", ErrProducerIDNotIncreasing, r.NextProducerID, a.img.nextProducerID)
	}
	a.img.nextProducerID = r.NextProducerID
	return nil
}

func (a *applier) removeTopic(r *record.RemoveTopic) error {
	t, err := a.topicByID(r.TopicID)
	if err != nil {
		return err
	}
	a.setDraft(t.name, nil)
	a.img.topicNames = a.img.topicNames.Delete(t.id)
	a.img.normalized = a.img.normalized.Delete(collisionKey(t.name))
	a.img.partitionCount -= t.partitions.Len()
	a.touched.removedTopic(t)
	return nil
}
