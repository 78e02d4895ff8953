package knowledge

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// One community can meet in several workspaces: a facilitator gets a code
// on one side (/cop link) and types it on the other (/cop link <code>). The
// community where the code is typed becomes a side of the other: its
// events are routed there, and everything they make from then on belongs
// to the community it is linked into (migration 014). A person links their
// own accounts of two sides the same way (/cop link me), so that they count
// once.

// LinkCodeTTL is how long a link code can be used.
const LinkCodeTTL = 15 * time.Minute

// codeAlphabet leaves out letters and digits people mistake for each other.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newLinkCode returns a code of 8 characters from codeAlphabet, shown as
// ABCD-EFGH.
func newLinkCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b[:4]) + "-" + string(b[4:])
}

// codeHash is what is kept of a code: people may type it in lower case,
// with or without its dash.
func codeHash(code string) []byte {
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// LinkCode gives a facilitator a code that links another workspace's
// community into by's community.
func (s *Store) LinkCode(ctx context.Context, by Member) (string, time.Time, error) {
	if err := MayFacilitate(by); err != nil {
		return "", time.Time{}, err
	}
	return s.newCode(ctx, by.CommunityID, nil)
}

// LinkMeCode gives a member a code that links their account on another side
// of their community to this one.
func (s *Store) LinkMeCode(ctx context.Context, by Member) (string, time.Time, error) {
	return s.newCode(ctx, by.CommunityID, &by.ID)
}

func (s *Store) newCode(ctx context.Context, communityID int64, memberID *int64) (string, time.Time, error) {
	expires := s.now().Add(LinkCodeTTL)
	for range 100 {
		// A code made before (by chance, or counted ones on a database
		// used again) is passed over for the next.
		code := s.linkCode()
		_, err := s.pool.Exec(ctx, `INSERT INTO link_codes (code_hash, community_id, member_id, expires_at) VALUES ($1, $2, $3, $4)`,
			codeHash(code), communityID, memberID, expires)
		if isUniqueViolation(err) {
			continue
		}
		if err != nil {
			return "", time.Time{}, fmt.Errorf("make link code: %w", err)
		}
		return code, expires, nil
	}
	return "", time.Time{}, errors.New("make link code: every code made was taken")
}

// claimCode takes a code for one use, in tx: the community (and member) it
// was made for, or an InvalidError when it is unknown, used or expired.
func (s *Store) claimCode(ctx context.Context, tx pgx.Tx, code string, forMember bool) (int64, *int64, error) {
	var communityID int64
	var memberID *int64
	err := tx.QueryRow(ctx, `UPDATE link_codes SET used_at = copbot_now()
		WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING community_id, member_id`, codeHash(code), s.now()).Scan(&communityID, &memberID)
	what, other := "`/cop link`", "`/cop link me <code>`"
	if forMember {
		what, other = other, what
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, nil, invalidf("That code is unknown, used already, or older than %d minutes. Run %s on the other side for a new one.",
			int(LinkCodeTTL.Minutes()), strings.TrimSuffix(what, " <code>`")+"`")
	case err != nil:
		return 0, nil, fmt.Errorf("claim link code: %w", err)
	case (memberID != nil) != forMember:
		// Refused, so the claim is rolled back: the code still works where it belongs.
		return 0, nil, invalidf("That code links a person's accounts, not communities (or the other way round): type it with %s.", other)
	}
	return communityID, memberID, nil
}

// Link links here, the community where a facilitator typed a code, into the
// community that made the code. by is the facilitator as a member of here;
// asMember is their id as the linked community will know them (qualified by
// their workspace), under which they become its facilitator. here must
// have no tips and no objectives of its own: two repositories are not
// merged. It returns the community here is now a side of.
func (s *Store) Link(ctx context.Context, by Member, here Community, code, asMember string) (Community, error) {
	if err := MayFacilitate(by); err != nil {
		return Community{}, err
	}
	if here.Side != nil {
		return Community{}, invalidf("This community is linked with %s already; `/cop unlink` first.", here.Place())
	}
	var into Community
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		intoID, _, err := s.claimCode(ctx, tx, code, false)
		if err != nil {
			return err
		}
		if intoID == here.ID {
			return invalidf("That code was made here; type it in the other workspace's community.")
		}
		// Both rows locked in id order: two links made at once, here into
		// there and there into somewhere else, cannot make a chain.
		rows, err := tx.Query(ctx, `SELECT id, platform, external_id, name, linked_to IS NOT NULL, archived_at IS NOT NULL,
				EXISTS (SELECT 1 FROM communities s WHERE s.linked_to = c.id)
			FROM communities c WHERE id IN ($1, $2) ORDER BY id FOR UPDATE`, here.ID, intoID)
		if err != nil {
			return fmt.Errorf("lock communities to link: %w", err)
		}
		type state struct {
			c                         Community
			linked, archived, hasSide bool
		}
		found := map[int64]state{}
		var st state
		_, err = pgx.ForEachRow(rows, []any{&st.c.ID, &st.c.Platform, &st.c.ExternalID, &st.c.Name, &st.linked, &st.archived, &st.hasSide},
			func() error { found[st.c.ID] = st; return nil })
		if err != nil {
			return fmt.Errorf("lock communities to link: %w", err)
		}
		there, ok := found[intoID]
		switch {
		case !ok || there.archived:
			return invalidf("The community that made that code is gone or archived.")
		case there.linked:
			return invalidf("The community that made that code is itself linked into another; make the code there.")
		case found[here.ID].linked:
			return invalidf("This community is linked with another already; `/cop unlink` first.")
		case found[here.ID].hasSide:
			return invalidf("Other workspaces are linked into this community; type the code there, or make one here with `/cop link` and type it on the other side.")
		case there.c.Platform == here.Platform && there.c.ExternalID == here.ExternalID:
			return invalidf("Both communities are in this workspace. Linking joins workspaces; communities of one workspace share with `/cop partner add`.")
		}
		into = there.c
		var tips, objectives, partners int
		err = tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM tips WHERE community_id = $1 AND state <> 'pending'),
				(SELECT count(*) FROM objectives WHERE community_id = $1),
				(SELECT count(*) FROM partnerships WHERE $1 IN (a_id, b_id))`,
			here.ID).Scan(&tips, &objectives, &partners)
		if err != nil {
			return fmt.Errorf("count what a community holds: %w", err)
		}
		if tips > 0 || objectives > 0 {
			return invalidf("This community has %d %s (removed ones count: they are kept) and %d %s of its own, and two "+
				"repositories are not merged: the community that joins must be new. If %s is the newer one, run `/cop link` "+
				"here and type the code there.", tips, Plural(tips, "tip", "tips"), objectives, Plural(objectives, "objective", "objectives"),
				into.Place())
		}
		if partners > 0 {
			return invalidf("This community has partners or partnership offers (`/cop partner`), which would stop working while " +
				"it is linked: `/cop partner remove` them first, and add them again from the linked community.")
		}
		if _, err := tx.Exec(ctx, `UPDATE communities SET linked_to = $2 WHERE id = $1`, here.ID, intoID); err != nil {
			return fmt.Errorf("link community: %w", err)
		}
		m, err := referMember(ctx, tx, intoID, asMember, by.DisplayName)
		if err != nil {
			return err
		}
		// The row of into is locked: no other link or unlink adds to it now,
		// but /cop facilitator add can, so the insert keeps what is there.
		if _, err := tx.Exec(ctx, `INSERT INTO facilitators (community_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			intoID, m.ID); err != nil {
			return fmt.Errorf("make the linking facilitator a facilitator: %w", err)
		}
		return routingChanged(ctx, tx)
	})
	s.refreshHomes(ctx, here.Platform, here.ExternalID)
	return into, err
}

// Routed returns c as its events reach it: the community it is linked
// into, with Side set to c, or c itself.
func (s *Store) Routed(ctx context.Context, c Community) (Community, error) {
	var into *int64
	if err := s.pool.QueryRow(ctx, `SELECT linked_to FROM communities WHERE id = $1`, c.ID).Scan(&into); err != nil {
		return Community{}, notFound(err, "read community")
	}
	if into == nil {
		return c, nil
	}
	routed, err := s.CommunityByID(ctx, *into)
	if err != nil {
		return Community{}, err
	}
	side := c
	routed.Side = &side
	return routed, nil
}

// Sides lists the communities linked into c.
func (s *Store) Sides(ctx context.Context, c Community) ([]Community, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, platform, external_id, name FROM communities WHERE linked_to = $1 ORDER BY id`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("list linked communities: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Community, error) {
		var side Community
		return side, r.Scan(&side.ID, &side.Platform, &side.ExternalID, &side.Name)
	})
}

// LinkedSide finds the community of a side workspace linked into a
// community of another workspace (named name there; when that workspace
// has one link only, the name does not matter, since notices of jobs may
// not know it). It returns the side and the id of the community it is
// linked into.
func (s *Store) LinkedSide(ctx context.Context, platform, workspace, name, sidePlatform, sideWorkspace string) (Community, int64, error) {
	side := Community{Platform: sidePlatform, ExternalID: sideWorkspace}
	var into int64
	err := s.pool.QueryRow(ctx, `SELECT s.id, s.name, c.id FROM communities s JOIN communities c ON c.id = s.linked_to
		WHERE c.platform = $1 AND c.external_id = $2 AND s.platform = $4 AND s.external_id = $5
		ORDER BY c.name = $3 DESC, c.id LIMIT 1`,
		platform, workspace, name, sidePlatform, sideWorkspace).Scan(&side.ID, &side.Name, &into)
	if err != nil {
		return Community{}, 0, notFound(err, "find linked community")
	}
	return side, into, nil
}

// Unlink splits side off the community it is linked into (facilitators of
// that community, from either side). What was made while they were linked
// stays with that community; the side finds again what it held before.
func (s *Store) Unlink(ctx context.Context, by Member, side Community) error {
	if err := MayFacilitate(by); err != nil {
		return err
	}
	// The side's people stop facilitating the community they leave; what
	// they made stays.
	tag, err := s.pool.Exec(ctx, `
		WITH gone AS (UPDATE communities SET linked_to = NULL WHERE id = $1 AND linked_to = $2 RETURNING id),
		unfacilitated AS (
			DELETE FROM facilitators f USING members m, gone
			WHERE f.community_id = $2 AND m.community_id = $2 AND m.id = f.member_id AND starts_with(m.platform_user_id, $3)),
		-- an admin of the side's platform is no admin here any more
		unadmined AS (
			UPDATE members m SET is_admin = false FROM gone
			WHERE m.community_id = $2 AND m.is_admin AND starts_with(m.platform_user_id, $3))
		SELECT nextval('community_routing_changes') FROM gone`, side.ID, by.CommunityID, side.qualifier())
	if err != nil {
		return fmt.Errorf("unlink community: %w", err)
	}
	s.refreshHomes(ctx, side.Platform, side.ExternalID)
	if tag.RowsAffected() == 0 {
		return invalidf("%s is not linked with this community.", side.Place())
	}
	return nil
}

// LinkMe records that by, on one side, and the member who made code, on
// another side of the same community, are one person. It returns that
// other account.
func (s *Store) LinkMe(ctx context.Context, by Member, code string) (Member, error) {
	var other Member
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		communityID, memberID, err := s.claimCode(ctx, tx, code, true)
		if err != nil {
			return err
		}
		if communityID != by.CommunityID {
			return invalidf("That code was made in another community; both accounts must be in one linked community.")
		}
		if *memberID == by.ID {
			return invalidf("That code is your own; type it with your account on the other side.")
		}
		other, err = scanMember(tx.QueryRow(ctx, `SELECT `+memberColumns+` FROM members m WHERE m.community_id = $1 AND m.id = $2`,
			communityID, *memberID))
		if err != nil {
			return fmt.Errorf("read the other account: %w", err)
		}
		if workspaceOfID(other.PlatformUserID) == workspaceOfID(by.PlatformUserID) {
			return invalidf("That code was made by another account of this workspace. `/cop link me` joins one person's " +
				"accounts in two workspaces: type the code with your own account on the other side.")
		}
		// Both accounts name the first account's person: the one it names
		// already, or itself. Locked in id order, so that two links made
		// at once through a shared account agree.
		var person, mine int64
		err = tx.QueryRow(ctx, `SELECT COALESCE(o.same_person_as, o.id), COALESCE(b.same_person_as, b.id)
			FROM members o, members b WHERE o.community_id = $1 AND o.id = $2 AND b.community_id = $1 AND b.id = $3
			ORDER BY o.id FOR UPDATE`, communityID, other.ID, by.ID).Scan(&person, &mine)
		if err != nil {
			return fmt.Errorf("read the other account's person: %w", err)
		}
		if person == mine {
			return invalidf("Those two accounts are linked already.")
		}
		_, err = tx.Exec(ctx, `UPDATE members SET same_person_as = $3
			WHERE community_id = $1 AND (id = $2 OR same_person_as = $2)`, communityID, by.ID, person)
		if err != nil {
			return fmt.Errorf("link accounts: %w", err)
		}
		return nil
	})
	return other, err
}

// SamePerson reports whether two members of a community are one person's
// accounts on two sides (LinkMe).
func (s *Store) SamePerson(ctx context.Context, communityID, a, b int64) (bool, error) {
	if a == b {
		return true, nil
	}
	var same bool
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(x.same_person_as, x.id) = COALESCE(y.same_person_as, y.id)
		FROM members x, members y WHERE x.community_id = $1 AND x.id = $2 AND y.community_id = $1 AND y.id = $3`,
		communityID, a, b).Scan(&same)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return same, err
}

// qualifier starts the ids of people, channels and messages of c's
// workspace as a community of another workspace keeps them when c is
// linked into it (bot.CommunityRef.Qualify writes them;
// TestQualifier_AgreesWithBot keeps the two in step).
func (c Community) qualifier() string { return "~" + c.Platform + ":" + c.ExternalID + ":" }

// workspaceOfID is the workspace part of an id kept by a linked community:
// its qualifier, or "" for the community's own workspace.
func workspaceOfID(id string) string {
	if !strings.HasPrefix(id, "~") {
		return ""
	}
	parts := strings.SplitN(id, ":", 3)
	if len(parts) < 3 {
		return ""
	}
	return parts[0] + ":" + parts[1] + ":"
}

// UnlinkMe undoes LinkMe for by: their account counts as a person of its
// own again, and so do accounts linked to it.
func (s *Store) UnlinkMe(ctx context.Context, by Member) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE members SET same_person_as = NULL
		WHERE community_id = $1 AND same_person_as IS NOT NULL AND (id = $2 OR same_person_as = $2)`, by.CommunityID, by.ID)
	if err != nil {
		return false, fmt.Errorf("unlink accounts: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Place names a community with its workspace, for people: "frontend on
// slack:T0123".
func (c Community) Place() string { return c.Label() + " on " + c.workspace() }

// workspace is c's workspace as the command line names it (bot.CommunityRef's
// String): "slack:T0123", "console" for the console's first one.
func (c Community) workspace() string {
	if c.Platform == "console" && (c.ExternalID == "console" || c.ExternalID == "") {
		return "console"
	}
	return c.Platform + ":" + c.ExternalID
}
