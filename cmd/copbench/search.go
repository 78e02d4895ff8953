package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/copbot/copbot/internal/loadgen"
)

// searchTeam is the community filled for search, apart from the one the
// capture runs fill.
const searchTeam = "TSEARCH"

// searchResult is the latency of /cop search per query shape, measured from
// the slash command's request to its answer (the adapter, the core and the
// store).
type searchResult struct {
	shapes []string
	byName map[string]latencies
	all    latencies
}

func (e *env) search(ctx context.Context, cfg config, log func(string, ...any)) (searchResult, error) {
	r := searchResult{byName: map[string]latencies{}}
	var id int64
	err := e.pool.QueryRow(ctx, `INSERT INTO communities (platform, external_id) VALUES ('slack', $1) RETURNING id`, searchTeam).Scan(&id)
	if err != nil {
		return r, fmt.Errorf("make the search community: %w", err)
	}
	start := time.Now()
	if err := loadgen.FillCommunity(ctx, e.pool, id, cfg.tips, 1); err != nil {
		return r, err
	}
	log("filled in %s; searching, %d times per query shape", time.Since(start).Round(time.Second), cfg.searches)
	var all []time.Duration
	trigger := 0
	for _, shape := range loadgen.SearchQueries {
		var d []time.Duration
		failed := 0
		for i := range cfg.searches {
			q := shape.Queries[i%len(shape.Queries)]
			trigger++
			form := loadgen.SlackCommand(searchTeam, "USEARCH", "CBENCH", "general", "search "+q,
				e.slack.ResponseURL("search"), strconv.Itoa(trigger))
			body := []byte(form.Encode())
			h := http.Header{}
			loadgen.SignSlack(h, secret, time.Now(), body)
			t0 := time.Now()
			answer, err := e.command(ctx, event{body: body, stamp: h.Get("X-Slack-Request-Timestamp"), signature: h.Get("X-Slack-Signature")})
			took := time.Since(t0)
			// A rare word may match nothing; that is an answer too.
			if err != nil || !strings.Contains(answer, "best first") && !strings.Contains(answer, "No tips match") {
				failed++
				if failed == 1 {
					log("search %q answered %q (%v)", q, answer, err)
				}
				continue
			}
			d = append(d, took)
		}
		all = append(all, d...)
		r.shapes = append(r.shapes, shape.Name)
		r.byName[shape.Name] = summarise(d, failed)
		if failed > 0 {
			return r, fmt.Errorf("%d searches of %s failed", failed, shape.Name)
		}
	}
	r.all = summarise(all, 0)
	return r, nil
}

// command posts a signed slash command and returns the text of the answer
// copbot gives in its response body.
func (e *env) command(ctx context.Context, ev event) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/slack/commands", strings.NewReader(string(ev.body)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ev.stamp)
	req.Header.Set("X-Slack-Signature", ev.signature)
	resp, err := e.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var answer struct {
		Text string `json:"text"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("answered %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return "", fmt.Errorf("answer is not JSON: %w", err)
	}
	return answer.Text, nil
}
