package knowledge

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// This file holds every right: who may do what. A store method that
// changes or reveals what not every member may see checks one of these,
// before anything else, next to the data it protects; the core has no
// checks of its own and turns ErrForbidden into a friendly answer (it
// asks MayFacilitate early only to refuse a member before reading their
// input).
// TestStore_Rights calls every guarded method as a member and as a
// facilitator.

// MayFacilitate is the facilitators' right: configure the community, change
// who facilitates, set objectives, pair by hand, moderate the repository
// and read the pulse, mentoring overview and stories. Workspace admins
// are facilitators (Member.IsFacilitator counts them).
func MayFacilitate(by Member) error {
	if !by.IsFacilitator {
		return ErrForbidden
	}
	return nil
}

// mayRemove is the right to take a tip out: its author, the member who
// saved it with /cop save, and facilitators. A member who only voted for
// it takes back their vote, nothing more: one reaction must not let anyone
// empty the repository.
func mayRemove(by Member, t Tip) error {
	if by.IsFacilitator || t.AuthorID != nil && *t.AuthorID == by.ID || t.SavedBy != nil && *t.SavedBy == by.ID {
		return nil
	}
	return ErrForbidden
}

// mayRestore is the right to bring a removed tip back: its author and
// facilitators.
func mayRestore(by Member, t Tip) error {
	if by.IsFacilitator || t.AuthorID != nil && *t.AuthorID == by.ID {
		return nil
	}
	return ErrForbidden
}

// mayTendObjective is the right to pause or resume an objective's
// reminders: its owner and facilitators.
func mayTendObjective(by Member, o Objective) error {
	if by.IsFacilitator || o.OwnerID == by.ID {
		return nil
	}
	return ErrForbidden
}

// ErrNotOwner says a member may not check in on someone else's objective.
var ErrNotOwner = fmt.Errorf("check in on another's objective: %w", ErrForbidden)

// mayCheckIn is the right to check in on an objective: its owner and
// facilitators, and every member when the community's checkin-by setting
// is "anyone". The objective_entries view (migration 009) applies the same
// rule to the tags that count a tip for an objective; TestStore_Rights and
// the objectives' tag tests hold the two together.
func mayCheckIn(ctx context.Context, db querier, by Member, o Objective) error {
	if by.IsFacilitator || by.ID == o.OwnerID {
		return nil
	}
	var who string
	err := db.QueryRow(ctx, `SELECT value FROM community_settings WHERE community_id = $1 AND key = 'checkin-by'`,
		by.CommunityID).Scan(&who)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read checkin-by: %w", err)
	}
	if who == CheckinByAnyone {
		return nil
	}
	return ErrNotOwner
}

// mayEndPairing is the right to end a pairing, and to give feedback on it
// (each their own, within FeedbackDays of the end): its mentor, its mentee
// and facilitators.
func mayEndPairing(by Member, p Pairing) error {
	if by.IsFacilitator || p.Mentor.ID == by.ID || p.Mentee.ID == by.ID {
		return nil
	}
	return ErrForbidden
}

// mayReadFeedback is the right to read one person's feedback on a pairing:
// its author, facilitators (who read all of it, with /cop mentor
// feedback), and the mentor, of what their mentee said. A mentee does not
// read the mentor's, nor anyone a facilitator's note: what a mentee says
// reaches the mentor it is about, and no one else outside the facilitators.
func mayReadFeedback(by Member, p Pairing, f PairingFeedback) error {
	if by.IsFacilitator || f.Member.ID == by.ID || f.Side == SideMentee && p.Mentor.ID == by.ID {
		return nil
	}
	return ErrForbidden
}

// mayCreateCommunity is the right to create a community in a workspace:
// its admins (Discord: Manage Server) and the facilitators of its default
// community; by is their member of the default community.
func mayCreateCommunity(by Member) error {
	return MayFacilitate(by)
}

// mayTakeFromDefault is the right to make a channel a named community's
// home, which takes it from the workspace's default community: workspace
// admins and the default community's facilitators, besides being a
// facilitator of the named one (MayFacilitate).
func mayTakeFromDefault(ctx context.Context, db querier, by Member) error {
	if by.IsAdmin {
		return nil
	}
	var ok bool
	err := db.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM communities here
			JOIN communities def ON def.platform = here.platform AND def.external_id = here.external_id AND def.name = ''
			JOIN members m ON m.community_id = def.id AND m.platform_user_id = $2
			WHERE here.id = $1 AND (m.is_admin OR EXISTS (SELECT 1 FROM facilitators f WHERE f.community_id = def.id AND f.member_id = m.id)))`,
		by.CommunityID, by.PlatformUserID).Scan(&ok)
	if err != nil {
		return fmt.Errorf("read the right to take a channel: %w", err)
	}
	if !ok {
		return invalidf("A home channel is taken from the workspace's default community, so its facilitators or a workspace " +
			"admin add it (`/cop in default facilitator list` names them).")
	}
	return nil
}

// ErrGuest says a guest may not read the repository (the guests setting is
// none, the default).
var ErrGuest = errors.New("guests may not read the repository")

// mayRead is the right to read the repository: every member, and a guest
// as the community's guests setting says. It returns, for a guest, the
// channels whose tips they may see, or ErrGuest; nil channels for everyone
// else.
func mayRead(ctx context.Context, db querier, r Reader) (channels []string, err error) {
	if !r.IsGuest {
		return nil, nil
	}
	var setting string
	err = db.QueryRow(ctx, `SELECT value FROM community_settings WHERE community_id = $1 AND key = 'guests'`,
		r.CommunityID).Scan(&setting)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("read guests setting: %w", err)
	}
	if setting != GuestsOwnChannels {
		return nil, ErrGuest
	}
	return append([]string{}, r.GuestChannels...), nil
}

// mayManagePartners is the right to add and remove partner communities
// and to list them, with the offers of partnership made and received:
// facilitators. A partnership opens the community's repository to
// another, so it is the community's to agree to, through those who look
// after it.
func mayManagePartners(by Member) error {
	return MayFacilitate(by)
}

// ErrPartnersForGuests says a guest may not search partner communities:
// what the guests setting lets them see is this community's, and only
// from their own channels.
var ErrPartnersForGuests = fmt.Errorf("guests search this community only: %w", ErrForbidden)

// mayReadPartners is the right to search the repositories of the
// community's partners (in:partners): every member but guests. What of a
// partner's repository may be read at all is shownToPartners.
func mayReadPartners(r Reader) error {
	if r.IsGuest {
		return ErrPartnersForGuests
	}
	return nil
}

// mayShare is the right to offer a tip to a partner community: every
// member who may read the tip (mayRead: a guest only from the channels
// they are in). A tip a reader may not see is ErrNotFound, as if it did
// not exist.
func mayShare(ctx context.Context, db querier, r Reader, t Tip) error {
	channels, err := mayRead(ctx, db, r)
	if err != nil {
		return err
	}
	if channels != nil && !slices.Contains(channels, t.ChannelID) {
		return ErrNotFound
	}
	return nil
}

// mayAnswerOffers is the right to see the tips partners offer the
// community and to accept or decline them: facilitators, who keep the
// repository.
func mayAnswerOffers(by Member) error {
	return MayFacilitate(by)
}
