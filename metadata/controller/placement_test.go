package controller

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func slots(racks ...string) []BrokerSlot {
	out := make([]BrokerSlot, len(racks))
	for i, r := range racks {
		out[i] = BrokerSlot{ID: int32(i + 1), Rack: r}
	}
	return out
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

func TestPlaceReplicasProperties(t *testing.T) {
	tests := []struct {
		brokers    []BrokerSlot
		partitions int
		rf         int
	}{
		{slots(""), 5, 1},
		{slots("", "", ""), 30, 3},
		{slots("", "", "", "", ""), 100, 3},
		{slots("", "", "", "", "", "", ""), 70, 2},
		{slots("a", "b", "c", "a", "b", "c"), 60, 3},
		{slots("a", "a", "b", "b"), 40, 2},
		{slots("a", "a", "a", "b"), 40, 2},
		{slots("a", "b", "c", "d", "a", "b", "c", "d", "e"), 90, 3},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%d brokers %d racks p=%d rf=%d", len(tt.brokers), countRacks(tt.brokers), tt.partitions, tt.rf)
		t.Run(name, func(t *testing.T) {
			for seed := uint64(1); seed <= 20; seed++ {
				placed, err := PlaceReplicas(tt.brokers, 0, tt.partitions, tt.rf, seeded(seed))
				if err != nil {
					t.Fatal(err)
				}
				checkPlacement(t, tt.brokers, placed, tt.rf)
			}
		})
	}
}

func checkPlacement(t *testing.T, brokers []BrokerSlot, placed [][]int32, rf int) {
	t.Helper()
	rack := map[int32]string{}
	for _, b := range brokers {
		rack[b.ID] = b.Rack
	}
	racks := countRacks(brokers)
	leaders := map[int32]int{}
	replicas := map[int32]int{}
	for p, rs := range placed {
		if len(rs) != rf {
			t.Fatalf("partition %d has %d replicas", p, len(rs))
		}
		seenRacks := map[string]bool{}
		for i, id := range rs {
			if _, ok := rack[id]; !ok {
				t.Fatalf("partition %d placed on unknown broker %d", p, id)
			}
			if slices.Contains(rs[:i], id) {
				t.Fatalf("partition %d repeats broker %d: %v", p, id, rs)
			}
			seenRacks[rack[id]] = true
			replicas[id]++
		}
		if want := min(rf, racks); len(seenRacks) != want {
			t.Fatalf("partition %d spans %d racks, want %d: %v", p, len(seenRacks), want, rs)
		}
		leaders[rs[0]]++
	}
	if spread(leaders, brokers) > 1 {
		t.Fatalf("leaders unbalanced: %v", leaders)
	}
	// Replicas are balanced as well as racks allow: with equal racks the
	// spread is small; a lone broker on its own rack takes more by design.
	if racks == 1 || evenRacks(brokers) {
		if s := spread(replicas, brokers); s > rf {
			t.Fatalf("replicas unbalanced (spread %d): %v", s, replicas)
		}
	}
}

func spread(counts map[int32]int, brokers []BrokerSlot) int {
	lo, hi := -1, 0
	for _, b := range brokers {
		n := counts[b.ID]
		if lo < 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	return hi - lo
}

func evenRacks(brokers []BrokerSlot) bool {
	per := map[string]int{}
	for _, b := range brokers {
		per[b.Rack]++
	}
	n := -1
	for _, c := range per {
		if n >= 0 && c != n {
			return false
		}
		n = c
	}
	return true
}

func TestPlaceReplicasDeterministic(t *testing.T) {
	brokers := slots("", "", "", "")
	a, _ := PlaceReplicas(brokers, 0, 20, 3, seeded(5))
	b, _ := PlaceReplicas(brokers, 0, 20, 3, seeded(5))
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed, different placement")
	}
	different := false
	for seed := uint64(6); seed < 16 && !different; seed++ {
		c, _ := PlaceReplicas(brokers, 0, 20, 3, seeded(seed))
		different = fmt.Sprint(a) != fmt.Sprint(c)
	}
	if !different {
		t.Fatal("the seed does not affect placement")
	}
	// Input order does not matter: brokers are ordered by id.
	shuffled := []BrokerSlot{brokers[2], brokers[0], brokers[3], brokers[1]}
	c, _ := PlaceReplicas(shuffled, 0, 20, 3, seeded(5))
	if fmt.Sprint(a) != fmt.Sprint(c) {
		t.Fatal("placement depends on broker order")
	}
}

// TestPlaceReplicasContinues checks that growing a topic continues the
// leader rotation: partitions 0..9 then 10..19 lead like 0..19 at once.
func TestPlaceReplicasContinues(t *testing.T) {
	brokers := slots("", "", "")
	all, _ := PlaceReplicas(brokers, 0, 20, 2, seeded(9))
	first, _ := PlaceReplicas(brokers, 0, 10, 2, seeded(9))
	rest, _ := PlaceReplicas(brokers, 10, 10, 2, seeded(9))
	if fmt.Sprint(append(first, rest...)) != fmt.Sprint(all) {
		t.Fatal("growing does not continue the rotation")
	}
}

func TestPlaceReplicasErrors(t *testing.T) {
	_, err := PlaceReplicas(slots("", ""), 0, 1, 3, seeded(1))
	var nb *NotEnoughBrokersError
	if !errors.As(err, &nb) || nb.Available != 2 || nb.ReplicationFactor != 3 {
		t.Fatalf("got %v", err)
	}
	if _, err := PlaceReplicas(nil, 0, 1, 1, seeded(1)); err == nil {
		t.Fatal("placed on no brokers")
	}
	if _, err := PlaceReplicas(slots(""), 0, 1, 0, seeded(1)); err == nil {
		t.Fatal("rf 0 accepted")
	}
}
