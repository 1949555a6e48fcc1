package regexlang

import (
	"encoding/binary"
	"slices"
)

// search explores the product of the patterns' DFAs, the excluded-string
// trie and the length breadth first, from the empty text.
type search struct {
	q      Query
	al     *alphabet
	tr     *trie
	dfas   []*dfa
	nMatch int // dfas[:nMatch] must match, the rest must not
	budget int
	states int
}

func (s *search) spend() error {
	s.states++
	if s.states > s.budget {
		return errBudget
	}
	work := 0
	for _, d := range s.dfas {
		work += d.work
	}
	if work > s.budget*workPerState {
		return errBudget
	}
	return nil
}

// workPerState bounds the closure work of a question relative to its
// state budget: 50,000 states allow 10M instruction visits, about 100 ms.
const workPerState = 200

// pnode is a state of the product, reached from parent by class.
type pnode struct {
	ids    []int32
	trie   int32
	length int
	parent int32
	class  int32
}

func (s *search) run() (Verdict, string) {
	v, w, err := s.explore()
	if err != nil {
		return Unknown, ""
	}
	return v, w
}

func (s *search) explore() (Verdict, string, error) {
	ids := make([]int32, len(s.dfas))
	for i, d := range s.dfas {
		id, err := d.start(s)
		if err != nil {
			return Unknown, "", err
		}
		ids[i] = id
	}
	if s.pruned(ids) {
		return No, "", nil
	}
	nodes := []pnode{{ids: ids, trie: 0, parent: -1, class: -1}}
	index := map[string]int32{}
	var key []byte
	keyOf := func(n *pnode) []byte {
		key = key[:0]
		for _, id := range n.ids {
			key = binary.AppendUvarint(key, uint64(id))
		}
		key = binary.AppendVarint(key, int64(n.trie))
		l := n.length
		if s.q.MaxLen < 0 {
			l = min(l, s.q.MinLen)
		}
		return binary.AppendUvarint(key, uint64(l))
	}
	index[string(keyOf(&nodes[0]))] = 0
	order := s.al.order()
	for head := 0; head < len(nodes); head++ {
		n := nodes[head]
		if s.goal(&n) {
			return Yes, s.witness(nodes, int32(head)), nil
		}
		if s.q.MaxLen >= 0 && n.length >= s.q.MaxLen {
			continue
		}
	classes:
		for _, c := range order {
			next := make([]int32, len(n.ids))
			for i, d := range s.dfas {
				id, err := d.step(n.ids[i], c, s)
				if err != nil {
					return Unknown, "", err
				}
				next[i] = id
			}
			if s.pruned(next) {
				continue classes
			}
			m := pnode{ids: next, trie: s.tr.step(n.trie, s.al, c), length: n.length + 1, parent: int32(head), class: c}
			k := keyOf(&m)
			if _, ok := index[string(k)]; ok {
				continue
			}
			if err := s.spend(); err != nil {
				return Unknown, "", err
			}
			index[string(k)] = int32(len(nodes))
			nodes = append(nodes, m)
		}
	}
	return No, "", nil
}

// pruned reports whether no extension of the text reaching ids can meet
// the query: a pattern that must match can no longer, or one that must
// not has matched (a search match holds for every extension).
func (s *search) pruned(ids []int32) bool {
	for i, d := range s.dfas {
		st := d.states[ids[i]]
		if i < s.nMatch && st.dead() || i >= s.nMatch && st.matched {
			return true
		}
	}
	return false
}

func (s *search) goal(n *pnode) bool {
	if n.length < s.q.MinLen || (n.trie >= 0 && s.tr.final[n.trie]) {
		return false
	}
	for i, d := range s.dfas {
		if d.acceptsEnd(n.ids[i]) != (i < s.nMatch) {
			return false
		}
	}
	return true
}

func (s *search) witness(nodes []pnode, at int32) string {
	var rs []rune
	for ; nodes[at].parent >= 0; at = nodes[at].parent {
		rs = append(rs, s.al.rep[nodes[at].class])
	}
	slices.Reverse(rs)
	return string(rs)
}
