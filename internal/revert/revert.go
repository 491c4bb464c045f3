// Package revert is the undo stack of a change made in several steps, in
// the style of incus' shared/revert: every step that changes the system
// pushes the function that takes it back, and a failure runs the stack in
// reverse so nothing is left half made.
//
//	r := revert.New()
//	defer r.Fail()
//	... make A; r.Add(undoA)
//	... make B; r.Add(undoB)
//	r.Success()
//
// Fail after Success does nothing, so the deferred call is always safe.
// A caller that keeps the undo steps for later (a teardown) takes a Clone
// before Success.
package revert

// Reverter is a stack of undo functions. The zero value is ready to use.
type Reverter struct {
	fns []func()
}

// New returns an empty Reverter.
func New() *Reverter { return &Reverter{} }

// Add pushes an undo step.
func (r *Reverter) Add(f func()) {
	r.fns = append(r.fns, f)
}

// Fail runs the undo steps, last first, and empties the stack.
func (r *Reverter) Fail() {
	fns := r.fns
	r.fns = nil
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// Success forgets the undo steps: the change is complete.
func (r *Reverter) Success() {
	r.fns = nil
}

// Clone returns a Reverter holding the same steps.
func (r *Reverter) Clone() *Reverter {
	return &Reverter{fns: append([]func(){}, r.fns...)}
}

// Len reports how many undo steps are pending.
func (r *Reverter) Len() int { return len(r.fns) }
