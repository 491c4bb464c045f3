package network

// reverter is a stack of undo steps, in the style of incus' shared/revert:
// every step that changes the system pushes the function that takes the
// change back, and a failure runs the stack in reverse so nothing is left
// half made. On success the caller either drops the stack or keeps a copy
// (Clone) as the cleanup to run at stop.
type reverter struct {
	fns []func()
}

// Add pushes an undo step.
func (r *reverter) Add(f func()) {
	r.fns = append(r.fns, f)
}

// Fail runs the undo steps in reverse order and empties the stack.
func (r *reverter) Fail() {
	for i := len(r.fns) - 1; i >= 0; i-- {
		r.fns[i]()
	}
	r.fns = nil
}

// Success forgets the undo steps.
func (r *reverter) Success() {
	r.fns = nil
}

// Clone returns a reverter holding the same steps, so a caller can keep
// them after calling Success on the original.
func (r *reverter) Clone() *reverter {
	return &reverter{fns: append([]func(){}, r.fns...)}
}

// Len reports how many undo steps are pending.
func (r *reverter) Len() int { return len(r.fns) }
