"""A small simulated world for the bAbI generator: actors who move between places and carry objects.

The task generators narrate what happens in a `World` and ask about it. Every change remembers the
ids of the statements that establish it, so each answer comes with the statements that determine it
(bAbI's "supporting facts"). `StoryBuilder` numbers the lines of one story.
"""

from keras_models.memory.babi.format import Line, Story

ACTORS = ("Mary", "John", "Daniel", "Sandra")
PLACES = ("bathroom", "hallway", "kitchen", "office", "garden", "bedroom")
OBJECTS = ("football", "apple", "milk")
MOVES = ("moved to", "went to", "journeyed to", "travelled to", "went back to")
TAKES = ("picked up", "got", "grabbed", "took")
DROPS = ("dropped", "discarded", "put down", "left")
GIVES = ("gave", "handed", "passed")
HE_SHE = {"Mary": "she", "Sandra": "she", "John": "he", "Daniel": "he"}


def pick(rng, items):
    """One element of the sequence `items`, drawn by the NumPy generator `rng` (keeps Python types)."""
    return items[int(rng.integers(len(items)))]


def sample(rng, items, count):
    """`count` distinct elements of `items` in random order."""
    return [items[int(i)] for i in rng.permutation(len(items))[:count]]


class StoryBuilder:
    """The lines of one story so far; `say` returns a statement's 1-based id, `ask` adds a question."""

    def __init__(self):
        self.lines = []
        self.num_questions = 0
        self.last_subject = None

    def subject(self, rng, candidates, recent=()):
        """Whom to ask about: not the last question's subject when there is a choice, and one of the
        `recent` (just mentioned) candidates three times in five, as bAbI's questions mostly are."""
        candidates = [c for c in candidates if c != self.last_subject] or list(candidates)
        recent = [c for c in dict.fromkeys(recent) if c in candidates]
        self.last_subject = pick(rng, recent) if recent and rng.random() < 0.6 else pick(rng, candidates)
        return self.last_subject

    def say(self, text):
        self.lines.append(Line(text))
        return len(self.lines)

    def ask(self, text, answer, supporting):
        supporting = tuple(sorted(set(supporting)))
        assert supporting and all(not self.lines[i - 1].is_question for i in supporting), (text, supporting)
        self.lines.append(Line(text, answer, supporting))
        self.num_questions += 1

    def story(self, task):
        return Story(tuple(self.lines), task)


class World:
    """Where actors are, who holds what, and where each object has been, with the supporting ids.

    ``where[actor] = (place, id)``: the statement that put the actor there. ``holder[obj] = (actor, id)``:
    the statement by which the actor came to hold it. ``lying[obj] = (place, ids)``: a dropped object.
    ``history[obj]``: the places the object has been, in order, each with the ids that show it.
    ``touched[actor][obj] = id``: the last statement in which the actor took, dropped, gave or received it.
    """

    def __init__(self, builder, rng, actors=ACTORS, places=PLACES, objects=OBJECTS):
        self.builder, self.rng = builder, rng
        self.actors, self.places, self.objects = actors, places, objects
        self.where, self.holder, self.lying = {}, {}, {}
        self.history = {obj: [] for obj in objects}
        self.touched = {actor: {} for actor in actors}
        self.gives = []  # (giver, object, receiver, id)
        self.mentioned = []  # the actors of the statements so far, in order

    # --- what the world says -------------------------------------------------------------------
    def held_by(self, actor):
        """The objects `actor` holds, in the order they were acquired."""
        held = [(fid, obj) for obj, (who, fid) in self.holder.items() if who == actor]
        return [obj for _, obj in sorted(held)]

    def location_of(self, obj):
        """(place, supporting ids) of `obj`, or None when the story does not tell."""
        if obj in self.holder:
            actor, fid = self.holder[obj]
            if actor not in self.where:
                return None
            place, move = self.where[actor]
            return place, (fid, move)
        return self.lying.get(obj)

    # --- what can happen -------------------------------------------------------------------------
    def can_take(self, actor):
        """The objects `actor` could pick up where they are now."""
        if actor not in self.where:
            return []
        here = self.where[actor][0]
        return [
            obj
            for obj in self.objects
            if obj not in self.holder and (obj not in self.lying or self.lying[obj][0] == here)
        ]

    def move(self, actor, place=None):
        """`actor` goes to `place` (a random other place when None)."""
        if place is None:
            current = self.where.get(actor, (None,))[0]
            place = pick(self.rng, [p for p in self.places if p != current])
        fid = self.builder.say(f"{actor} {pick(self.rng, MOVES)} the {place}.")
        self.mentioned.append(actor)
        self.where[actor] = (place, fid)
        for obj in self.held_by(actor):
            self._arrive(obj, place, (fid, self.holder[obj][1]))
        return fid

    def take(self, actor, obj):
        fid = self.builder.say(f"{actor} {pick(self.rng, TAKES)} the {obj} there.")
        self.mentioned.append(actor)
        place, move = self.where[actor]
        self.lying.pop(obj, None)
        self.holder[obj] = (actor, fid)
        self.touched[actor][obj] = fid
        self._arrive(obj, place, (fid, move))
        return fid

    def drop(self, actor, obj):
        verb = pick(self.rng, DROPS)
        fid = self.builder.say(f"{actor} {verb} the {obj}{' there' if verb == 'left' else ''}.")
        self.mentioned.append(actor)
        place, move = self.where[actor]
        del self.holder[obj]
        self.lying[obj] = (place, (fid, move))
        self.touched[actor][obj] = fid
        return fid

    def give(self, giver, obj, receiver):
        """`giver` hands `obj` to `receiver`, who first walks over when they are elsewhere."""
        if self.where.get(receiver, (None,))[0] != self.where[giver][0]:
            self.move(receiver, self.where[giver][0])
        fid = self.builder.say(f"{giver} {pick(self.rng, GIVES)} the {obj} to {receiver}.")
        self.mentioned += [giver, receiver]
        self.holder[obj] = (receiver, fid)
        self.touched[giver][obj] = fid
        self.touched[receiver][obj] = fid
        self.gives.append((giver, obj, receiver, fid))
        return fid

    def random_action(self, weights=(0.5, 0.3, 0.2, 0.0)):
        """One random move, take, drop or give (weights in that order), whichever is possible."""
        kinds = ["move", "take", "drop", "give"]
        while True:
            kind = kinds[int(self.rng.choice(4, p=weights))]
            actor = pick(self.rng, self.actors)
            if kind == "move":
                return self.move(actor)
            if kind == "take" and self.can_take(actor):
                return self.take(actor, pick(self.rng, self.can_take(actor)))
            if kind in ("drop", "give") and self.held_by(actor):
                obj = pick(self.rng, self.held_by(actor))
                if kind == "drop":
                    return self.drop(actor, obj)
                return self.give(actor, obj, pick(self.rng, [a for a in self.actors if a != actor]))

    def _arrive(self, obj, place, ids):
        if not self.history[obj] or self.history[obj][-1][0] != place:
            self.history[obj].append((place, ids))
