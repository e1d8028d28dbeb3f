"""bAbI tasks that need a rule or a chain of facts: 15, 16, 18 and 20.

Deduction ("Sheep are afraid of wolves. Gertrude is a sheep."), induction ("Lily is a swan. Lily is
white. Greg is a swan."), sizes ("The box fits inside the chest.") and motivations ("John is
hungry." - "Where will John go?"). Each generator returns a `StoryBuilder` with at most
`max_questions` questions.
"""

from keras_models.memory.babi.world import MOVES, TAKES, StoryBuilder, pick, sample

SPECIES = {"mouse": "mice", "sheep": "sheep", "wolf": "wolves", "cat": "cats"}  # task 15
NAMES15 = ("Gertrude", "Winona", "Jessica", "Emily")
NAMES16 = ("Lily", "Bernhard", "Greg", "Julius", "Brian")
ANIMALS16 = ("swan", "lion", "frog", "rhino")
COLORS = ("white", "yellow", "green", "gray")
# Task 18's things, smallest first: sizes are the world's, the same in every story, as in bAbI.
THINGS = ("chocolate", "box of chocolates", "box", "suitcase", "container", "chest")
NEEDS = {  # task 20: motivation -> (where one goes, what one takes there)
    "hungry": ("kitchen", "apple"),
    "thirsty": ("kitchen", "milk"),
    "bored": ("garden", "football"),
    "tired": ("bedroom", "pajamas"),
}
AGENTS = ("Antoine", "Sumit", "Yann", "Jason")


def basic_deduction(rng, max_questions):
    """Task 15: four "X are afraid of Y." rules and four "Name is a X."; "What is Emily afraid of?"."""
    builder = StoryBuilder()
    kinds = list(SPECIES)
    fears = {kind: pick(rng, [k for k in kinds if k != kind]) for kind in kinds}
    members = {name: pick(rng, kinds) for name in NAMES15}
    facts = [("rule", kind) for kind in kinds] + [("member", name) for name in NAMES15]
    ids = {}
    for i in rng.permutation(len(facts)):
        what, key = facts[int(i)]
        if what == "rule":
            text = f"{SPECIES[key].capitalize()} are afraid of {SPECIES[fears[key]]}."
        else:
            text = f"{key} is a{'n' if members[key][0] in 'aeiou' else ''} {members[key]}."
        ids[key] = builder.say(text)
    for name in sample(rng, NAMES15, min(int(rng.integers(3, 5)), max_questions)):
        kind = members[name]
        builder.ask(f"What is {name} afraid of?", fears[kind], (ids[name], ids[kind]))
    return builder


def basic_induction(rng, max_questions):
    """Task 16: "Lily is a swan. Lily is white. Greg is a swan." - "What color is Greg?" white.

    Every animal of a kind has that kind's colour; exactly one other animal of Greg's kind has its
    colour stated, so that animal's two statements and Greg's kind support the answer. As in bAbI's
    files, the other animals come as pairs of statements ("X is a swan. X is white."), in random order,
    and Greg's kind is the last statement before the question.
    """
    builder = StoryBuilder()
    colour = {kind: pick(rng, COLORS) for kind in ANIMALS16}
    target, witness, *others = sample(rng, NAMES16, 5)
    kind = pick(rng, ANIMALS16)
    pairs = [(witness, kind)] + [(name, pick(rng, [k for k in ANIMALS16 if k != kind])) for name in others]
    supporting = []
    for i in rng.permutation(len(pairs)):
        name, animal = pairs[int(i)]
        ids = [builder.say(f"{name} is a {animal}."), builder.say(f"{name} is {colour[animal]}.")]
        if name == witness:
            supporting += ids
    supporting.insert(0, builder.say(f"{target} is a {kind}."))
    builder.ask(f"What color is {target}?", colour[kind], sorted(supporting))
    return builder


def _shortest_chain(facts, small, big):
    """The ids of the fewest `facts` ((smaller, bigger, id)) showing `small` < `big`, or None."""
    paths, frontier = {small: ()}, [small]
    while frontier:
        nxt = []
        for thing in frontier:
            for lower, upper, fid in facts:
                if lower == thing and upper not in paths:
                    paths[upper] = (*paths[thing], fid)
                    nxt.append(upper)
        frontier = nxt
    return paths.get(big)


def size_reasoning(rng, max_questions):
    """Task 18: "The suitcase fits inside the chest. The chest is bigger than the box." - "Does the
    box fit in the suitcase?" yes, from the chain of size facts.

    The things have their everyday sizes (`THINGS`: a chocolate is smaller than a chest in every story,
    as in bAbI, where the world is consistent); facts relate things close in size, so chains form, and
    as in bAbI's files a question is about a pair that one fact or a chain of two relates.
    """
    builder = StoryBuilder()
    order = THINGS
    facts, asked = [], set()
    target = min(int(rng.integers(2, 6)), max_questions)
    while builder.num_questions < target and len(facts) < 8:
        for _ in range(int(rng.integers(1, 3)) + (1 if not facts else 0)):
            said = {fact[:2] for fact in facts}
            unsaid = [(a, b) for i, a in enumerate(order) for b in order[i + 1 : i + 3] if (a, b) not in said]
            if not unsaid:  # all 9 pairs close in size said
                break
            small, big = pick(rng, unsaid)
            if rng.random() < 0.5:
                fid = builder.say(f"The {small} fits inside the {big}.")
            else:
                fid = builder.say(f"The {big} is bigger than the {small}.")
            facts.append((small, big, fid))
        pairs = []
        for a in order:
            for b in order:
                chain = _shortest_chain(facts, a, b) if a != b else None
                if chain and len(chain) <= 2 and frozenset((a, b)) not in asked:
                    pairs.append((a, b, chain))
        if pairs:
            small, big, chain = pick(rng, pairs)
            asked.add(frozenset((small, big)))
            question = pick(
                rng,
                (
                    (f"Does the {small} fit in the {big}?", "yes"),
                    (f"Does the {big} fit in the {small}?", "no"),
                    (f"Is the {big} bigger than the {small}?", "yes"),
                    (f"Is the {small} bigger than the {big}?", "no"),
                ),
            )
            builder.ask(*question, chain)
    return builder


def agents_motivations(rng, max_questions):
    """Task 20: "Sumit is tired." - "Where will Sumit go?" bedroom; "Why did Sumit go to the bedroom?"
    tired; "Why did Sumit get the pajamas?" tired. Each agent has one motivation per story."""
    builder = StoryBuilder()
    agents = sample(rng, AGENTS, int(rng.integers(2, 5)))
    needs = {agent: pick(rng, list(NEEDS)) for agent in agents}
    steps = [agent for agent in agents for _ in range(3)]
    done = dict.fromkeys(agents, 0)
    motive = {}
    target = min(int(rng.integers(3, 9)), max_questions)
    for i in rng.permutation(len(steps)):
        agent = steps[int(i)]
        step, done[agent] = done[agent], done[agent] + 1
        place, thing = NEEDS[needs[agent]]
        if step == 0:
            motive[agent] = builder.say(f"{agent} is {needs[agent]}.")
            question = (f"Where will {agent} go?", place)
        elif step == 1:
            builder.say(f"{agent} {pick(rng, MOVES)} the {place}.")
            question = (f"Why did {agent} go to the {place}?", needs[agent])
        else:
            builder.say(f"{agent} {pick(rng, TAKES)} the {thing} there.")
            question = (f"Why did {agent} get the {thing}?", needs[agent])
        if builder.num_questions < target and rng.random() < 0.7:
            builder.ask(*question, (motive[agent],))
    return builder
