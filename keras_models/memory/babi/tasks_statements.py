"""bAbI tasks that vary how a statement says where someone is: 9, 10, 11, 12, 13 and 14.

Negation ("is no longer in"), uncertainty ("is either in the school or the park"), pronouns ("After
that she went to the garden."), pairs of people ("Mary and Daniel went to the office.", "Then they
...") and times of the day ("Yesterday Julie went to the park."). Each generator returns a
`StoryBuilder` with at most `max_questions` questions.
"""

from keras_models.memory.babi.world import ACTORS, HE_SHE, MOVES, PLACES, StoryBuilder, pick, sample

PEOPLE = ("Bill", "Fred", "Julie", "Mary")  # tasks 10 and 14, as in bAbI
TOWN = ("school", "park", "office", "kitchen", "cinema", "bedroom")
THEN = ("After that", "Following that", "Then", "Afterwards")
SLOTS = (  # the four times of task 14, earliest first: (opening the sentence, closing it)
    ("Yesterday", "yesterday"),
    ("This morning", "this morning"),
    ("This afternoon", "this afternoon"),
    ("This evening", "this evening"),
)


def simple_negation(rng, max_questions):
    """Task 9: "Sandra is no longer in the bedroom." - "Is Sandra in the bedroom?" no."""
    builder = StoryBuilder()
    last = {}  # actor -> (place, positive, id of the last statement about them)
    for _ in range(min(5, max_questions)):
        recent = sample(rng, ACTORS, 2)
        for actor in recent:
            if rng.random() < 0.6:
                place = pick(rng, PLACES)
                verb = pick(rng, (*MOVES, "is in"))
                fid = builder.say(f"{actor} {verb} the {place}.")
                last[actor] = (place, True, fid)
            else:
                known = last.get(actor, (None, False))
                place = known[0] if known[1] and rng.random() < 0.5 else pick(rng, PLACES)
                verb = "is no longer in" if place == known[0] and known[1] else "is not in"
                last[actor] = (place, False, builder.say(f"{actor} {verb} the {place}."))
        actor = builder.subject(rng, list(last), recent)
        place, positive, fid = last[actor]
        if positive and rng.random() < 0.25:
            place = pick(rng, [p for p in PLACES if p != place])
        answer = "yes" if positive and place == last[actor][0] else "no"
        builder.ask(f"Is {actor} in the {place}?", answer, (fid,))
    return builder


def indefinite_knowledge(rng, max_questions):
    """Task 10: "Fred is either in the school or the park." - "Is Fred in the park?" maybe."""
    builder = StoryBuilder()
    last = {}  # actor -> (places it may be in, id)
    for _ in range(min(5, max_questions)):
        recent = [pick(rng, PEOPLE) for _ in range(2)]
        for actor in recent:
            if rng.random() < 0.5:
                place = pick(rng, TOWN)
                verb = pick(rng, ("is in", "went to", "went back to", "journeyed to", "travelled to"))
                last[actor] = ((place,), builder.say(f"{actor} {verb} the {place}."))
            else:
                first, second = sample(rng, TOWN, 2)
                text = f"{actor} is either in the {first} or the {second}."
                last[actor] = ((first, second), builder.say(text))
        actor = builder.subject(rng, list(last), recent)
        places, fid = last[actor]
        place = pick(rng, places) if rng.random() < 0.6 else pick(rng, [p for p in TOWN if p not in places])
        answer = "no" if place not in places else ("yes" if len(places) == 1 else "maybe")
        builder.ask(f"Is {actor} in the {place}?", answer, (fid,))
    return builder


def _pronoun_story(rng, max_questions, pair):
    """Tasks 11 and 13: a named statement, then either a pronoun one about the same people or another
    named one; "Where is Mary?" is supported by the statement that moved her and, when it says only
    "she"/"they", by the statement that names her."""
    builder = StoryBuilder()
    last = {}  # actor -> (place, supporting ids)
    for _ in range(min(5, max_questions)):
        people = recent = sample(rng, ACTORS, 2 if pair else 1)
        place = pick(rng, PLACES)
        fid = builder.say(f"{' and '.join(people)} {pick(rng, MOVES)} the {place}.")
        last.update({person: (place, (fid,)) for person in people})
        if rng.random() < 0.6:
            place = pick(rng, [p for p in PLACES if p != place])
            pronoun = "they" if pair else HE_SHE[people[0]]
            second = builder.say(f"{pick(rng, THEN)} {pronoun} {pick(rng, MOVES)} the {place}.")
            last.update({person: (place, (second, fid)) for person in people})
        else:
            people = sample(rng, ACTORS, 2 if pair else 1)
            place = pick(rng, PLACES)
            second = builder.say(f"{' and '.join(people)} {pick(rng, MOVES)} the {place}.")
            last.update({person: (place, (second,)) for person in people})
            recent = recent + people
        actor = builder.subject(rng, list(last), recent)
        builder.ask(f"Where is {actor}?", *last[actor])
    return builder


def basic_coreference(rng, max_questions):
    """Task 11: "Daniel went to the kitchen. After that he went to the garden." - "Where is Daniel?"."""
    return _pronoun_story(rng, max_questions, pair=False)


def compound_coreference(rng, max_questions):
    """Task 13: "Mary and Daniel went to the bathroom. Then they journeyed to the hallway."."""
    return _pronoun_story(rng, max_questions, pair=True)


def conjunction(rng, max_questions):
    """Task 12: "Mary and Daniel travelled to the bathroom." - "Where is Daniel?"."""
    builder = StoryBuilder()
    last = {}
    for _ in range(min(5, max_questions)):
        recent = []
        for _ in range(2):
            people, place = sample(rng, ACTORS, 2), pick(rng, PLACES)
            fid = builder.say(f"{people[0]} and {people[1]} {pick(rng, MOVES)} the {place}.")
            last.update({person: (place, fid) for person in people})
            recent += people
        actor = builder.subject(rng, list(last), recent)
        place, fid = last[actor]
        builder.ask(f"Where is {actor}?", place, (fid,))
    return builder


def time_reasoning(rng, max_questions):
    """Task 14: where people went yesterday, this morning, this afternoon and this evening, told out of
    order; "Where was Julie before the school?" is the place of the time just before."""
    builder = StoryBuilder()
    facts = []  # (actor, slot, place)
    for actor in sample(rng, PEOPLE, int(rng.integers(2, 5))):
        places = sample(rng, TOWN, int(rng.integers(2, 5)))
        facts += [(actor, slot, place) for slot, place in enumerate(places)]
    said, asked = {}, set()  # (actor, slot) -> (place, id)
    target = min(5, max_questions)
    for i in rng.permutation(len(facts)):
        actor, slot, place = facts[int(i)]
        opening, closing = SLOTS[slot]
        verb = pick(rng, MOVES)
        if rng.random() < 0.5:
            text = f"{opening} {actor} {verb} the {place}."
        else:
            text = f"{actor} {verb} the {place} {closing}."
        said[actor, slot] = (place, builder.say(text))
        ready = [key for key in said if key[1] > 0 and (key[0], key[1] - 1) in said and key not in asked]
        if ready and builder.num_questions < target and rng.random() < 0.6:
            actor, slot = pick(rng, ready)
            asked.add((actor, slot))
            (before, first), (place, second) = said[actor, slot - 1], said[actor, slot]
            builder.ask(f"Where was {actor} before the {place}?", before, (first, second))
    return builder
