package knowledge

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A workspace (a Slack team, a Discord guild, the console) holds its default
// community and any number of named ones. Each named community owns home
// channels; what happens in a home channel belongs to its community, and
// every other channel belongs to the default community.

// HomeChannel is a channel a community calls home.
type HomeChannel struct {
	ID   string
	Name string
}

// CommunityInfo is a community of a workspace with its home channels.
type CommunityInfo struct {
	Community
	Channels []HomeChannel
	Members  int
}

// MaxCommunityName bounds a community's name.
const MaxCommunityName = 40

// routingCheck is how often a process asks whether any process changed
// communities or home channels (one query, whatever the number of
// workspaces): changes made by this process are seen at once, those of
// other copbot processes within routingCheck. The check runs in the
// background, so no acknowledgement waits on it.
const routingCheck = 2 * time.Second

// homes is a workspace's routing: its default community, and the
// community of each home channel.
type homes struct {
	def       Community
	byChannel map[string]Community
	named     int // named communities that are not archived
}

// routingState is what a process knows of routing changes.
type routingState struct {
	checking sync.Mutex
	mu       sync.Mutex
	seen     int64 // the last value of community_routing_changes
	at       time.Time
	// gens counts this process's changes of each workspace's routing.
	gens map[communityKey]uint64
}

// HomeOf returns the community a channel of a workspace belongs to: the
// community whose home it is, else the workspace's default community (an
// empty channelID is the default's too). It reads from memory; see homesTTL.
func (s *Store) HomeOf(ctx context.Context, platform, workspace, channelID string) (Community, error) {
	h, err := s.homes(ctx, platform, workspace)
	if err != nil {
		return Community{}, err
	}
	if c, ok := h.byChannel[channelID]; ok {
		return c, nil
	}
	return h.def, nil
}

// HasNamedCommunities reports whether a workspace has communities besides
// its default one (read from memory, as HomeOf).
func (s *Store) HasNamedCommunities(ctx context.Context, platform, workspace string) (bool, error) {
	h, err := s.homes(ctx, platform, workspace)
	return err == nil && h.named > 0, err
}

func (s *Store) homes(ctx context.Context, platform, workspace string) (*homes, error) {
	s.checkRouting(ctx)
	key := communityKey{platform, workspace}
	if v, ok := s.routing.Load(key); ok {
		return v.(*homes), nil
	}
	// A miss is read once, however many events wait on it.
	call, loading := s.routingLoads.LoadOrStore(key, &homesCall{done: make(chan struct{})})
	c := call.(*homesCall)
	if !loading {
		gen := s.routingState.generation(key)
		c.h, c.err = s.readHomes(ctx, platform, workspace)
		if c.err == nil {
			s.routingState.keep(&s.routing, key, gen, c.h)
		}
		s.routingLoads.Delete(key)
		close(c.done)
		return c.h, c.err
	}
	select {
	case <-c.done:
		return c.h, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// homesCall is one read of a workspace's routing that several events wait on.
type homesCall struct {
	done chan struct{}
	h    *homes
	err  error
}

// generation is how many times this process changed a workspace's
// routing; a read started before a change is not kept after it.
func (r *routingState) generation(key communityKey) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gens[key]
}

// keep stores a workspace's routing read at generation gen, unless this
// process changed the routing since.
func (r *routingState) keep(routing *sync.Map, key communityKey, gen uint64, h *homes) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gens[key] == gen {
		routing.Store(key, h)
	}
}

// checkRouting asks, at most every routingCheck and in the background,
// whether routing changed anywhere; when it did, it reads again the
// routing of every workspace this process knows, one after the other,
// while events go on being routed by what was known.
func (s *Store) checkRouting(ctx context.Context) {
	r := &s.routingState
	r.mu.Lock()
	due := time.Since(r.at) > routingCheck
	r.mu.Unlock()
	if !due || !r.checking.TryLock() {
		return
	}
	go func() {
		defer r.checking.Unlock()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		var last int64
		err := s.pool.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM community_routing_changes`).Scan(&last)
		if err != nil {
			s.log.WarnContext(ctx, "community routing not checked", "error", err)
			return
		}
		r.mu.Lock()
		changed := last != r.seen
		r.seen, r.at = last, time.Now()
		r.mu.Unlock()
		if !changed {
			return
		}
		s.routing.Range(func(k, _ any) bool {
			key := k.(communityKey)
			gen := r.generation(key)
			h, err := s.readHomes(ctx, key.platform, key.externalID)
			if err != nil {
				// Read again when next needed rather than route by what may be stale.
				s.routing.Delete(key)
				s.log.WarnContext(ctx, "community routing not read again", "error", err)
				return true
			}
			r.keep(&s.routing, key, gen, h)
			return true
		})
	}()
}

// readHomes reads a workspace's routing. A community linked into another
// routes there, with Side set to itself.
func (s *Store) readHomes(ctx context.Context, platform, workspace string) (*homes, error) {
	if _, err := s.Community(ctx, platform, workspace); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT c.id, c.name, COALESCE(cc.channel_id, ''),
			COALESCE(l.id, 0), COALESCE(l.platform, ''), COALESCE(l.external_id, ''), COALESCE(l.name, '')
		FROM communities c
		LEFT JOIN community_channels cc ON cc.community_id = c.id AND c.name <> ''
		LEFT JOIN communities l ON l.id = c.linked_to
		WHERE c.platform = $1 AND c.external_id = $2 AND c.archived_at IS NULL`, platform, workspace)
	if err != nil {
		return nil, fmt.Errorf("read home channels: %w", err)
	}
	h := &homes{byChannel: map[string]Community{}}
	named := map[int64]bool{}
	var c, into Community
	var channel string
	_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Name, &channel, &into.ID, &into.Platform, &into.ExternalID, &into.Name}, func() error {
		routed := Community{ID: c.ID, Platform: platform, ExternalID: workspace, Name: c.Name}
		if into.ID != 0 {
			side := routed
			routed = into
			routed.Side = &side
		}
		switch {
		case c.Name == "":
			h.def = routed
		case channel != "":
			h.byChannel[channel] = routed
			named[c.ID] = true
		default:
			named[c.ID] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read home channels: %w", err)
	}
	h.named = len(named)
	return h, nil
}

// refreshHomes reads a workspace's routing again after this process
// changed it, before the change's caller goes on: events are routed by the
// new routing from then on, and never wait for it.
func (s *Store) refreshHomes(ctx context.Context, platform, workspace string) {
	key := communityKey{platform, workspace}
	r := &s.routingState
	r.mu.Lock()
	if r.gens == nil {
		r.gens = map[communityKey]uint64{}
	}
	r.gens[key]++
	gen := r.gens[key]
	r.mu.Unlock()
	h, err := s.readHomes(context.WithoutCancel(ctx), platform, workspace)
	if err != nil {
		s.routing.Delete(key) // read when next needed
		return
	}
	r.keep(&s.routing, key, gen, h)
}

// routingChanged tells the other processes, in the change's transaction,
// that routing changed.
func routingChanged(ctx context.Context, db querier) error {
	if _, err := db.Exec(ctx, `SELECT nextval('community_routing_changes')`); err != nil {
		return fmt.Errorf("note a routing change: %w", err)
	}
	return nil
}

// communityName is what a community's name may be made of.
var communityName = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_-]*$`)

// checkCommunityName refuses names people could not type back.
func checkCommunityName(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return invalidf("Give the community a name, like `frontend`.")
	case n > MaxCommunityName:
		return invalidf("That name is %d characters long; the limit is %d.", n, MaxCommunityName)
	case strings.EqualFold(name, DefaultName):
		return invalidf("“%s” is how people name the workspace's default community; choose another name.", DefaultName)
	case !communityName.MatchString(name):
		return invalidf("A community's name is one word of letters, digits, - and _, starting with a letter or a digit, like `frontend` or `test-guild`.")
	}
	return nil
}

// CreateCommunity creates a named community in by's workspace with its home
// channels and makes by its first facilitator. by is a member of the
// workspace's default community (mayCreateCommunity).
func (s *Store) CreateCommunity(ctx context.Context, by Member, name string, channels []HomeChannel) (Community, error) {
	if err := mayCreateCommunity(by); err != nil {
		return Community{}, err
	}
	if err := checkCommunityName(name); err != nil {
		return Community{}, err
	}
	if len(channels) == 0 {
		return Community{}, invalidf("Name at least one home channel, like `/cop community create %s #%s`.", name, name)
	}
	def, err := s.CommunityByID(ctx, by.CommunityID)
	if err != nil {
		return Community{}, err
	}
	if def.Name != "" {
		return Community{}, errors.New("create community: by must be a member of the default community")
	}
	c := Community{Platform: def.Platform, ExternalID: def.ExternalID, Name: name}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO communities (platform, external_id, name) VALUES ($1, $2, $3) RETURNING id`,
			c.Platform, c.ExternalID, name).Scan(&c.ID)
		if isUniqueViolation(err) {
			return invalidf("There is a community called %s here already, perhaps archived; choose another name "+
				"(`/cop community` lists the others).", name)
		} else if err != nil {
			return fmt.Errorf("create community: %w", err)
		}
		if err := addHomes(ctx, tx, c, channels); err != nil {
			return err
		}
		creator, err := referMember(ctx, tx, c.ID, by.PlatformUserID, by.DisplayName)
		if err != nil {
			return err
		}
		// The community was made in this transaction: nobody else can have
		// made its creator a facilitator yet.
		_, err = tx.Exec(ctx, `INSERT INTO facilitators (community_id, member_id) VALUES ($1, $2)`, c.ID, creator.ID)
		if err != nil {
			return fmt.Errorf("make the creator a facilitator: %w", err)
		}
		return routingChanged(ctx, tx)
	})
	s.refreshHomes(ctx, c.Platform, c.ExternalID)
	return c, err
}

// addHomes makes channels homes of c, refusing any that is another
// community's home.
func addHomes(ctx context.Context, tx pgx.Tx, c Community, channels []HomeChannel) error {
	for _, ch := range channels {
		tag, err := tx.Exec(ctx, `
			INSERT INTO community_channels (community_id, platform, workspace_id, channel_id, channel_name)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (platform, workspace_id, channel_id) DO NOTHING`, c.ID, c.Platform, c.ExternalID, ch.ID, ch.Name)
		if err != nil {
			return fmt.Errorf("add home channel: %w", err)
		}
		if tag.RowsAffected() == 1 {
			continue
		}
		// A statement of its own, so that it sees the row it conflicted
		// with even when another transaction committed it meanwhile.
		var owner string
		err = tx.QueryRow(ctx, `SELECT o.name FROM community_channels cc JOIN communities o ON o.id = cc.community_id
			WHERE cc.platform = $1 AND cc.workspace_id = $2 AND cc.channel_id = $3 AND cc.community_id <> $4`,
			c.Platform, c.ExternalID, ch.ID, c.ID).Scan(&owner)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // c's home already
		}
		if err != nil {
			return fmt.Errorf("read a home channel's community: %w", err)
		}
		return invalidf("#%s is the home of %s already; a channel belongs to one community. A facilitator of %s can "+
			"`/cop community channels remove #%s` first.", ch.Name, owner, owner, ch.Name)
	}
	return nil
}

// ChangeHomes adds or removes home channels of by's community
// (facilitators). It returns the channels that changed; the others were
// its homes already, or were not.
func (s *Store) ChangeHomes(ctx context.Context, by Member, add bool, channels []HomeChannel) ([]HomeChannel, error) {
	if err := MayFacilitate(by); err != nil {
		return nil, err
	}
	c, err := s.CommunityByID(ctx, by.CommunityID)
	if err != nil {
		return nil, err
	}
	if c.Name == "" {
		return nil, invalidf("The default community has no home channels: every channel that is no other community's home is its own.")
	}
	if add {
		if err := mayTakeFromDefault(ctx, s.pool, by); err != nil {
			return nil, err
		}
	}
	var changed []HomeChannel
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		changed = nil
		for _, ch := range channels {
			var tag pgconn.CommandTag
			if add {
				var mine bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM community_channels WHERE community_id = $1 AND channel_id = $2)`,
					c.ID, ch.ID).Scan(&mine); err != nil {
					return fmt.Errorf("read home channel: %w", err)
				}
				if mine {
					continue
				}
				if err := addHomes(ctx, tx, c, []HomeChannel{ch}); err != nil {
					return err
				}
				changed = append(changed, ch)
				continue
			}
			tag, err = tx.Exec(ctx, `DELETE FROM community_channels WHERE community_id = $1 AND channel_id = $2`, c.ID, ch.ID)
			if err != nil {
				return fmt.Errorf("remove home channel: %w", err)
			}
			if tag.RowsAffected() > 0 {
				changed = append(changed, ch)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		return routingChanged(ctx, tx)
	})
	s.refreshHomes(ctx, c.Platform, c.ExternalID)
	return changed, err
}

// RenameCommunity renames by's community (facilitators).
func (s *Store) RenameCommunity(ctx context.Context, by Member, name string) (Community, error) {
	if err := MayFacilitate(by); err != nil {
		return Community{}, err
	}
	if err := checkCommunityName(name); err != nil {
		return Community{}, err
	}
	c, err := s.CommunityByID(ctx, by.CommunityID)
	if err != nil {
		return Community{}, err
	}
	if c.Name == "" {
		return Community{}, invalidf("The default community keeps its name; name a new one with `/cop community create`.")
	}
	_, err = s.pool.Exec(ctx, `UPDATE communities SET name = $2 WHERE id = $1`, c.ID, name)
	if isUniqueViolation(err) {
		return Community{}, invalidf("There is a community called %s here already.", name)
	} else if err != nil {
		return Community{}, fmt.Errorf("rename community: %w", err)
	}
	if err := routingChanged(ctx, s.pool); err != nil {
		return Community{}, err
	}
	s.refreshHomes(ctx, c.Platform, c.ExternalID)
	c.Name = name
	return c, nil
}

// ArchiveCommunity archives by's community (facilitators): its home
// channels go back to the default community; its data stays, out of reach.
func (s *Store) ArchiveCommunity(ctx context.Context, by Member) (Community, error) {
	if err := MayFacilitate(by); err != nil {
		return Community{}, err
	}
	c, err := s.CommunityByID(ctx, by.CommunityID)
	if err != nil {
		return Community{}, err
	}
	if c.Name == "" {
		return Community{}, invalidf("The default community cannot be archived.")
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// Locked, so that no link into it is made meanwhile (Link locks it too).
		var sides bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM communities WHERE linked_to = c.id)
			FROM communities c WHERE c.id = $1 FOR UPDATE`, c.ID).Scan(&sides)
		if err != nil {
			return fmt.Errorf("lock community: %w", err)
		}
		if sides {
			return invalidf("Other workspaces are linked into %s; `/cop unlink` them first.", c.Label())
		}
		if _, err := tx.Exec(ctx, `DELETE FROM community_channels WHERE community_id = $1`, c.ID); err != nil {
			return fmt.Errorf("free home channels: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE communities SET archived_at = copbot_now() WHERE id = $1`, c.ID); err != nil {
			return fmt.Errorf("archive community: %w", err)
		}
		return routingChanged(ctx, tx)
	})
	s.refreshHomes(ctx, c.Platform, c.ExternalID)
	return c, err
}

// Communities lists a workspace's communities that are not archived, the
// default first, each with its home channels and member count.
func (s *Store) Communities(ctx context.Context, platform, workspace string) ([]CommunityInfo, error) {
	if _, err := s.Community(ctx, platform, workspace); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT c.id, c.name,
			COALESCE((SELECT array_agg(cc.channel_id ORDER BY cc.channel_name, cc.channel_id) FROM community_channels cc WHERE cc.community_id = c.id), '{}'),
			COALESCE((SELECT array_agg(cc.channel_name ORDER BY cc.channel_name, cc.channel_id) FROM community_channels cc WHERE cc.community_id = c.id), '{}'),
			(SELECT count(*) FROM members m WHERE m.community_id = c.id AND NOT m.is_bot)
		FROM communities c
		WHERE c.platform = $1 AND c.external_id = $2 AND c.archived_at IS NULL
		ORDER BY c.name <> '', lower(c.name)`, platform, workspace)
	if err != nil {
		return nil, fmt.Errorf("list communities: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CommunityInfo, error) {
		info := CommunityInfo{Community: Community{Platform: platform, ExternalID: workspace}}
		var ids, names []string
		if err := r.Scan(&info.ID, &info.Name, &ids, &names, &info.Members); err != nil {
			return info, fmt.Errorf("scan community: %w", err)
		}
		for i := range ids {
			info.Channels = append(info.Channels, HomeChannel{ID: ids[i], Name: names[i]})
		}
		return info, nil
	})
}

// CommunitiesOf lists the communities of a workspace, not archived, in
// which a person is a member (has taken part, or joined), the default
// first.
func (s *Store) CommunitiesOf(ctx context.Context, platform, workspace, platformUserID string) ([]Community, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.id, c.name FROM communities c
		JOIN members m ON m.community_id = c.id AND m.platform_user_id = $3
		WHERE c.platform = $1 AND c.external_id = $2 AND c.archived_at IS NULL
		ORDER BY c.name <> '', lower(c.name)`, platform, workspace, platformUserID)
	if err != nil {
		return nil, fmt.Errorf("list a member's communities: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Community, error) {
		c := Community{Platform: platform, ExternalID: workspace}
		return c, r.Scan(&c.ID, &c.Name)
	})
}

// CommunityNamed finds a workspace's community that is not archived by the
// name people type (DefaultName for the default one).
func (s *Store) CommunityNamed(ctx context.Context, platform, workspace, name string) (Community, error) {
	if strings.EqualFold(name, DefaultName) {
		return s.Community(ctx, platform, workspace)
	}
	c := Community{Platform: platform, ExternalID: workspace}
	err := s.pool.QueryRow(ctx, `SELECT id, name FROM communities
		WHERE platform = $1 AND external_id = $2 AND lower(name) = lower($3) AND name <> '' AND archived_at IS NULL`,
		platform, workspace, name).Scan(&c.ID, &c.Name)
	if err != nil {
		return Community{}, notFound(err, "find community")
	}
	return c, nil
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
