package quorum

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/skiffhq/skiff/metadata/image"
)

// TestThreeVotersAndObserver runs three voters and one broker-only
// observer over real TCP listeners in this process: a leader is elected,
// entries replicate, followers and the observer apply the same image, and
// a follower refuses proposals naming the leader.
func TestThreeVotersAndObserver(t *testing.T) {
	lns := []*prefaceListener{listen(t), listen(t), listen(t), listen(t)}
	var voters []Voter
	for i := 0; i < 3; i++ {
		voters = append(voters, Voter{ID: int32(i + 1), Addr: lns[i].Addr().String()})
	}
	var nodes []*Quorum
	defer func() {
		for _, q := range nodes {
			q.Close()
		}
	}()
	// Slower timeouts than the single-node tests: four nodes under the race
	// detector on two cores must not miss heartbeats.
	clusterConfig := func(id int32) Config {
		cfg := testConfig(t.TempDir(), id, voters)
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = 400*time.Millisecond, 400*time.Millisecond, 200*time.Millisecond
		return cfg
	}
	for i := 0; i < 3; i++ {
		q, err := Open(clusterConfig(int32(i+1)), lns[i], testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, q)
	}
	observerCfg := clusterConfig(4)
	observerCfg.Voter = false
	observerCfg.Addr = lns[3].Addr().String()
	observer, err := Open(observerCfg, lns[3], testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	nodes = append(nodes, observer)

	waitReady(t, nodes[0])
	leaderID, ok := nodes[0].Leader()
	if !ok || leaderID < 1 || leaderID > 3 {
		t.Fatalf("leader %d %v", leaderID, ok)
	}
	leader := nodes[leaderID-1]
	waitReady(t, leader)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := leader.AddObserver(ctx, 4, observerCfg.Addr); err != nil {
		t.Fatalf("add observer: %v", err)
	}

	subs := make([]*Subscription, len(nodes))
	for i, q := range nodes {
		s, err := q.Subscribe()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		subs[i] = s
	}
	propose(t, leader, registerBroker(1, 1))
	res := propose(t, leader, createTopic("replicated", topicID(1), 4)...)
	want := leader.Image()
	for i, q := range nodes {
		img := awaitOffset(t, subs[i], res.Index)
		if !image.Equal(img, want) {
			t.Fatalf("node %d image differs from the leader's", i+1)
		}
		if top, ok := img.Topic("replicated"); !ok || top.NumPartitions() != 4 {
			t.Fatalf("node %d did not apply the topic", i+1)
		}
		if q != leader {
			waitReady(t, q)
			_, err := q.Propose(ctx, createTopic("x", topicID(2), 1))
			var nle *NotLeaderError
			if !errors.As(err, &nle) || !nle.LeaderKnown || nle.LeaderID != leaderID {
				t.Fatalf("node %d: propose on follower gave %v", i+1, err)
			}
		}
	}

	stats, err := leader.Stats()
	if err != nil {
		t.Fatal(err)
	}
	var voterIDs, observerIDs []int32
	for _, v := range stats.Voters {
		voterIDs = append(voterIDs, v.ID)
	}
	for _, o := range stats.Observers {
		observerIDs = append(observerIDs, o.ID)
	}
	slices.Sort(voterIDs)
	if !slices.Equal(voterIDs, []int32{1, 2, 3}) || !slices.Equal(observerIDs, []int32{4}) {
		t.Fatalf("stats voters %v observers %v", voterIDs, observerIDs)
	}
	if stats.State != "Leader" || stats.HighWatermark < uint64(res.Index) || stats.LeaderEpoch == 0 {
		t.Fatalf("leader stats %+v", stats)
	}
	waitReady(t, nodes[1])
	waitReady(t, observer)
}
