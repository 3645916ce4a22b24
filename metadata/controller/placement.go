package controller

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/skiffhq/skiff/metadata/image"
)

// BrokerSlot is a broker replicas may be placed on.
type BrokerSlot struct {
	ID   int32
	Rack string // "" if none
}

// NotEnoughBrokersError is returned when the replication factor exceeds
// the brokers available.
type NotEnoughBrokersError struct {
	ReplicationFactor int
	Available         int
}

func (e *NotEnoughBrokersError) Error() string {
	return fmt.Sprintf("The target replication factor of %d cannot be reached because only %d broker(s) are registered.", e.ReplicationFactor, e.Available)
}

// PlaceReplicas assigns rf replicas to each of numPartitions partitions,
// numbered from firstPartition, over brokers. It is a pure function of its
// arguments and the random source (which picks only the starting offsets).
//
// Leaders go round-robin over the brokers from a random start, so each
// broker leads ⌊P/n⌋ or ⌈P/n⌉ of P consecutive partitions. Followers are
// taken walking on from the leader, with an offset that shifts every n
// partitions so follower sets vary. When racks are given, brokers are
// ordered so neighbours alternate racks, and each partition's replicas
// cover as many distinct racks as possible before any rack repeats.
// Partitions numbered from firstPartition continue the rotation of
// partitions 0..firstPartition-1, as CreatePartitions needs.
func PlaceReplicas(brokers []BrokerSlot, firstPartition int32, numPartitions, rf int, rng *rand.Rand) ([][]int32, error) {
	if rf < 1 {
		return nil, fmt.Errorf("replication factor %d must be at least 1", rf)
	}
	if rf > len(brokers) {
		return nil, &NotEnoughBrokersError{ReplicationFactor: rf, Available: len(brokers)}
	}
	order := rackAlternating(brokers)
	n := len(order)
	racks := countRacks(order)
	start, shift := rng.IntN(n), rng.IntN(n)
	out := make([][]int32, numPartitions)
	for i := range out {
		k := int(firstPartition) + i
		leader := (start + k) % n
		offset := 0
		if n > 1 {
			offset = (shift + k/n) % (n - 1)
		}
		out[i] = pickReplicas(order, racks, leader, offset, rf)
	}
	return out, nil
}

// pickReplicas takes the leader at order[leader], then followers walking
// forward from leader+1+offset: first only brokers on racks not yet used
// (while unused racks remain), then any broker not yet picked.
func pickReplicas(order []BrokerSlot, racks, leader, offset, rf int) []int32 {
	n := len(order)
	replicas := make([]int32, 0, rf)
	replicas = append(replicas, order[leader].ID)
	usedRacks := map[string]bool{order[leader].Rack: true}
	picked := map[int]bool{leader: true}
	for pass := 0; pass < 2 && len(replicas) < rf; pass++ {
		for step := 0; step < n && len(replicas) < rf; step++ {
			idx := (leader + 1 + offset + step) % n
			b := order[idx]
			if picked[idx] || pass == 0 && usedRacks[b.Rack] && len(usedRacks) < racks {
				continue
			}
			picked[idx] = true
			usedRacks[b.Rack] = true
			replicas = append(replicas, b.ID)
		}
	}
	return replicas
}

// rackAlternating orders brokers by id within each rack, then interleaves
// the racks (first of each rack, second of each rack, ...), so consecutive
// brokers sit on different racks where possible. Without racks it is id
// order.
func rackAlternating(brokers []BrokerSlot) []BrokerSlot {
	byRack := map[string][]BrokerSlot{}
	for _, b := range brokers {
		byRack[b.Rack] = append(byRack[b.Rack], b)
	}
	rackNames := make([]string, 0, len(byRack))
	for r, bs := range byRack {
		rackNames = append(rackNames, r)
		slices.SortFunc(bs, func(a, b BrokerSlot) int { return cmp.Compare(a.ID, b.ID) })
	}
	slices.Sort(rackNames)
	out := make([]BrokerSlot, 0, len(brokers))
	for i := 0; len(out) < len(brokers); i++ {
		for _, r := range rackNames {
			if i < len(byRack[r]) {
				out = append(out, byRack[r][i])
			}
		}
	}
	return out
}

func countRacks(brokers []BrokerSlot) int {
	seen := map[string]bool{}
	for _, b := range brokers {
		seen[b.Rack] = true
	}
	return len(seen)
}

// usableBrokers are the brokers new replicas may go to: registered,
// unfenced and not shutting down.
func usableBrokers(img *image.Image) []BrokerSlot {
	var out []BrokerSlot
	for b := range img.Brokers() {
		if !b.Fenced && !b.InControlledShutdown {
			out = append(out, BrokerSlot{ID: b.ID, Rack: b.Rack})
		}
	}
	return out
}
