package payoutriver

import (
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/payoutkit/payout"
)

// The job kinds this package inserts into river_job.
const (
	KindSend      = "payout_send"
	KindReconcile = "payout_reconcile"
	KindSweep     = "payout_sweep"
)

// SendArgs are the arguments of a send job: one Send of one payout.
//
// What lands in river_job.args: the Reference, the provider name and the
// batch id always; and, unless Config.LoadRequest is set, the whole
// payout.Request, which is personal data: the recipient's name and phone,
// the description, the callback URL and, for PayOS, the sender's KYC
// record (full name, phone, nationality, identity document type and
// number, date of birth, purpose and source of funds, relationship). It
// stays in the jobs table until River's cleaner deletes the completed job
// (CompletedJobRetentionPeriod, a day by default) and in every backup
// taken meanwhile. With Config.LoadRequest the job carries the Reference
// only and the worker reads the request from the caller's own row.
type SendArgs struct {
	// Reference is the payout's Request.Reference: the job's unique key.
	Reference string `json:"reference" river:"unique"`
	// Provider names the client in Config.Clients that sends it.
	Provider string `json:"provider"`
	// BatchID is the ledger batch the payout belongs to.
	BatchID string `json:"batch_id,omitempty"`
	// Request is the request to send; nil when Config.LoadRequest loads it.
	Request *payout.Request `json:"request,omitempty"`
}

// Kind returns KindSend.
func (SendArgs) Kind() string { return KindSend }

// InsertOpts makes send jobs unique per Reference while one is queued,
// scheduled, running or waiting for a retry. A completed job does not
// block a later one: the ledger is the long-term guard (a send job for a
// payout the ledger shows as accepted never sends again).
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: uniquePerReference()}
}

// ReconcileArgs are the arguments of a reconcile job: the status checks of
// one payout until it is final.
type ReconcileArgs struct {
	// Reference is the payout's Request.Reference: the job's unique key.
	Reference string `json:"reference" river:"unique"`
}

// Kind returns KindReconcile.
func (ReconcileArgs) Kind() string { return KindReconcile }

// InsertOpts makes reconcile jobs unique per Reference while one exists
// that has not ended.
func (ReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: uniquePerReference()}
}

// SweepArgs are the arguments of the periodic sweep, which gives every
// ledger entry due for a check a reconcile job.
type SweepArgs struct{}

// Kind returns KindSweep.
func (SweepArgs) Kind() string { return KindSweep }

// InsertOpts keeps one sweep at a time.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: liveStates()}, MaxAttempts: 1}
}

func uniquePerReference() river.UniqueOpts {
	return river.UniqueOpts{ByArgs: true, ByState: liveStates()}
}

// liveStates are the states of a job that has not ended: River requires
// available, pending, running and scheduled; retryable is kept so that a
// Send waiting for its retry is not doubled.
func liveStates() []rivertype.JobState {
	return []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}
}
