package revert

import (
	"reflect"
	"testing"
)

func TestFailRunsInReverse(t *testing.T) {
	var got []int
	r := New()
	for i := 1; i <= 3; i++ {
		r.Add(func() { got = append(got, i) })
	}
	c := r.Clone()
	r.Fail()
	r.Fail() // a second Fail has nothing left to run
	if !reflect.DeepEqual(got, []int{3, 2, 1}) {
		t.Fatalf("Fail ran %v, want [3 2 1]", got)
	}
	got = nil
	c.Fail()
	if !reflect.DeepEqual(got, []int{3, 2, 1}) {
		t.Fatalf("the clone ran %v, want [3 2 1]", got)
	}
}

func TestSuccessForgets(t *testing.T) {
	ran := false
	func() {
		r := New()
		defer r.Fail()
		r.Add(func() { ran = true })
		r.Success()
	}()
	if ran {
		t.Fatal("an undo step ran after Success")
	}
	var z Reverter
	z.Add(func() { ran = true })
	if z.Len() != 1 {
		t.Fatalf("Len = %d", z.Len())
	}
	z.Fail()
	if !ran {
		t.Fatal("the zero Reverter did not run its step")
	}
}
