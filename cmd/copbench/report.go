package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// report is one run's figures.
type report struct {
	config
	rawInserts float64
	minimal    float64
	saturation captureResult
	paced      latencies
	// withCommunities is the second saturation and paced runs, with
	// many communities in the load workspace (-communities).
	withCommunities communitiesResult
	search          searchResult
	rssPeak         int64
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

func (r report) print(w io.Writer) {
	ackRatio := r.saturation.acksPerSec / r.minimal
	captureRatio := r.saturation.tipsPerSec / r.rawInserts
	fmt.Fprintf(w, "\ncopbench: %d CPUs, %s, durable PostgreSQL on the same machine\n\n", runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(w, "limits measured in this run\n")
	fmt.Fprintf(w, "  minimal signed handler (signature + one insert), %d connections  %8.0f events/s\n", r.senders, r.minimal)
	fmt.Fprintf(w, "  raw single-row durable inserts, %d connections                   %8.0f inserts/s\n\n", r.senders, r.rawInserts)
	s := r.saturation
	fmt.Fprintf(w, "copbot, %d reactions at saturation from %d connections\n", r.events, r.senders)
	fmt.Fprintf(w, "  acknowledged   %8.0f events/s = %.2f × the minimal handler   (target ≥ 0.6: %s)\n", s.acksPerSec, ackRatio, verdict(ackRatio >= 0.6))
	fmt.Fprintf(w, "  ack latency    p50 %s  p99 %s  p99.9 %s\n", ms(s.ack.p50), ms(s.ack.p99), ms(s.ack.p999))
	fmt.Fprintf(w, "  captured       %8.0f tips/s end to end, fetch included = %.2f × raw inserts   (target ≥ 2,000: %s)\n",
		s.tipsPerSec, captureRatio, verdict(s.tipsPerSec >= 2000))
	fmt.Fprintf(w, "copbot, paced at %d events/s for %s (open loop)\n", r.rate, r.config.paced)
	fmt.Fprintf(w, "  ack latency    p50 %s  p99 %s  p99.9 %s   (target p99 ≤ 10 ms: %s)\n",
		ms(r.paced.p50), ms(r.paced.p99), ms(r.paced.p999), verdict(r.paced.p99 <= 10*time.Millisecond))
	if c := r.withCommunities; c.n > 0 {
		ratio := c.saturation.acksPerSec / c.minimal
		fmt.Fprintf(w, "copbot, %d named communities in the workspace (created in %s), %d home channels each; 1 reaction in %d on a channel of no community\n",
			c.n, c.created.Round(time.Millisecond), homesPer, homesPer+1)
		fmt.Fprintf(w, "  minimal signed handler again, just before                     %8.0f events/s\n", c.minimal)
		fmt.Fprintf(w, "  acknowledged   %8.0f events/s = %.2f × the minimal handler   (target ≥ 0.6: %s; without communities %.2f)\n",
			c.saturation.acksPerSec, ratio, verdict(ratio >= 0.6), ackRatio)
		fmt.Fprintf(w, "  ack latency    p50 %s  p99 %s  p99.9 %s\n", ms(c.saturation.ack.p50), ms(c.saturation.ack.p99), ms(c.saturation.ack.p999))
		fmt.Fprintf(w, "  captured       %8.0f tips/s end to end\n", c.saturation.tipsPerSec)
		fmt.Fprintf(w, "  paced at %d events/s for %s, %d changes of home channels meanwhile\n", r.rate, r.config.paced, c.changes)
		fmt.Fprintf(w, "  ack latency    p50 %s  p99 %s  p99.9 %s   (target p99 ≤ 10 ms: %s)\n",
			ms(c.paced.p50), ms(c.paced.p99), ms(c.paced.p999), verdict(c.paced.p99 <= 10*time.Millisecond))
		fmt.Fprintf(w, "  routing        %d tips of both runs, from %d channels, each in its channel's community (%d communities)\n",
			c.routed.tips, c.routed.channels, c.routed.communities)
	}
	if r.tips > 0 {
		fmt.Fprintf(w, "copbot, /cop search over HTTP, one community of %d tips, %d searches per shape\n", r.tips, r.searches)
		for _, name := range r.search.shapes {
			l := r.search.byName[name]
			fmt.Fprintf(w, "  %-15s p50 %s  p99 %s\n", name, ms(l.p50), ms(l.p99))
		}
		fmt.Fprintf(w, "  all            p50 %s  p99 %s   (target p99 ≤ 20 ms: %s)\n",
			ms(r.search.all.p50), ms(r.search.all.p99), verdict(r.search.all.p99 <= 20*time.Millisecond))
	}
	mib := float64(r.rssPeak) / (1 << 20)
	fmt.Fprintf(w, "copbot peak resident memory   %.1f MiB   (target ≤ 64 MiB: %s)\n", mib, verdict(mib <= 64))
}
