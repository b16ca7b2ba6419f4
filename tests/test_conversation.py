from __future__ import annotations

from citeqa.answers import NO_ANSWER, Answer
from citeqa.conversation import Turn, needs_history, retrieval_query, standalone_question


def test_person_pronoun_becomes_the_previous_answer() -> None:
    history = [Turn("Who hosted the Space Engagement Talks?", "Brig. Gen. Anthony J. Mastalir")]
    assert standalone_question("What command does he lead?", history) == (
        "What command does Brig. Gen. Anthony J. Mastalir lead?"
    )


def test_the_one_becomes_the_entity_of_the_previous_question() -> None:
    history = [Turn("When was U.S. Space Forces Korea activated?", "December of 2022")]
    rewritten = standalone_question("And when will the one in Japan be activated?", history)
    # "the one in Japan" contrasts with Korea: the qualifier takes the place of the name it replaces.
    assert rewritten == "When will U.S. Space Forces Japan be activated?"
    assert standalone_question("What about the one in Japan?", history) == "What about U.S. Space Forces Japan?"
    assert standalone_question("When was it activated?", history) == "When was U.S. Space Forces Korea activated?"


def test_standalone_questions_are_left_alone() -> None:
    history = [Turn("Who hosted the talks?", "Mastalir")]
    question = "What is the name of the line of effort that drives collaboration?"
    assert not needs_history(question)
    assert standalone_question(question, history) == question
    assert retrieval_query(question, history) == question


def test_retrieval_query_carries_the_previous_question() -> None:
    history = [Turn("Who hosted the Space Engagement Talks?", "Mastalir")]
    query = retrieval_query("What command does he lead?", history)
    assert "Mastalir" in query and "Space Engagement Talks" in query


def test_no_history_no_change() -> None:
    assert standalone_question("What command does he lead?", []) == "What command does he lead?"


def test_a_person_pronoun_after_a_long_answer_is_the_name_it_ends_with() -> None:
    answer = "the Commander of United States Space Forces Indo-Pacific, Brig. Gen. Anthony J. Mastalir"
    history = [Turn("Who hosted the Space Engagement Talks?", answer)]
    assert standalone_question("What command does he lead?", history) == (
        "What command does Brig. Gen. Anthony J. Mastalir lead?"
    )
    assert standalone_question("What was his message?", history) == "What was Brig. Gen. Anthony J. Mastalir's message?"


def test_a_person_pronoun_is_never_what_a_who_question_was_about() -> None:
    # The earlier answer is unknown: "he" stays rather than become "the Space Engagement Talks".
    history = [Turn("Who hosted the Space Engagement Talks?", None)]
    assert standalone_question("What command does he lead?", history) == "What command does he lead?"
    # Retrieval still sees the earlier question, so the passages are about the host.
    assert "Space Engagement Talks" in retrieval_query("What command does he lead?", history)


def test_after_another_question_a_person_pronoun_is_its_subject_not_its_answer() -> None:
    history = [Turn("When did Mastalir speak at the Mitchell Institute?", "May 2023")]
    assert standalone_question("What did he say?", history) == "What did Mastalir say?"
    history = [Turn("When did Mastalir speak?", "Tuesday")]
    assert standalone_question("What did he say?", history) == "What did Mastalir say?"


def test_a_person_pronoun_follows_the_answer_whatever_the_wording_of_a_who_question() -> None:
    answer = "Brig. Gen. Anthony J. Mastalir"
    for earlier in ("At the Mitchell Institute, who spoke?", "And then who spoke?", "To whom did Japan send officers?"):
        assert standalone_question("What did he say?", [Turn(earlier, answer)]) == f"What did {answer} say?"
    # A long answer may name the title first or the person first.
    for long_answer in (
        "the Commander of United States Space Forces Indo-Pacific, Brig. Gen. Anthony J. Mastalir",
        "Brig. Gen. Anthony J. Mastalir, the Commander of United States Space Forces Indo-Pacific",
    ):
        history = [Turn("Who hosted the talks?", long_answer)]
        assert standalone_question("What did he say?", history) == f"What did {answer} say?"
    history = [Turn("Whose remarks opened the talks?", "Mastalir's")]
    assert standalone_question("What did he say?", history) == "What did Mastalir say?"


def test_after_which_a_short_name_answer_is_the_person() -> None:
    history = [Turn("Which general hosted the Space Engagement Talks?", "Mastalir")]
    assert standalone_question("What did he say?", history) == "What did Mastalir say?"


def test_a_capital_that_only_starts_the_sentence_is_not_a_name() -> None:
    history = [Turn("Tell me about Mastalir.", "He commands U.S. Space Forces Indo-Pacific.")]
    assert standalone_question("What did he say?", history) == "What did Mastalir say?"


def test_a_turn_takes_the_answer_object_or_its_text() -> None:
    answer = Answer("Who hosted the talks?", "Brig. Gen. Anthony J. Mastalir", True, 0.9)
    assert Turn(answer.question, answer).answer_text == "Brig. Gen. Anthony J. Mastalir"
    assert standalone_question("What does he lead?", [Turn(answer.question, answer)]) == (
        "What does Brig. Gen. Anthony J. Mastalir lead?"
    )
    declined = Answer("Who hosted the dinner?", NO_ANSWER, False, 0.2)
    assert Turn(declined.question, declined).answer_text is None


def alike(pairs: dict[tuple[str, str], float]):  # type: ignore[no-untyped-def]
    """A stand-in for the encoder's cosine: the given pairs, 0.1 for every other."""
    return lambda text, others: [pairs.get((text, other), 0.1) for other in others]


def test_a_fragment_follow_up_is_the_last_question_asked_about_it() -> None:
    korea = [Turn("When was U.S. Space Forces Korea activated?", "December of 2022")]
    similar = alike({("Japan", "Korea"): 0.73, ("Japan", "U.S."): 0.48, ("Army", "Navy"): 0.8})
    # The name most like the fragment's gives way to it, within a longer name too.
    assert standalone_question("And Japan?", korea, similar) == "When was U.S. Space Forces Japan activated?"
    assert standalone_question("what about Japan", korea, similar) == "When was U.S. Space Forces Japan activated?"
    # A time or a place is added to the question.
    assert standalone_question("How about in 2023?", korea, similar) == (
        "When was U.S. Space Forces Korea activated in 2023?"
    )
    navy = [Turn("When did the Navy arrive at the base?", "In May")]
    assert standalone_question("And the Army?", navy, similar) == "When did the Army arrive at the base?"
    # A fragment that follows a fragment follows what that one was understood as.
    answered = Answer("And Japan?", "by the end of the year", True, 0.9, standalone_question="When was X Japan made?")
    assert standalone_question("And Korea?", [Turn("And Japan?", answered)], alike({("Korea", "Japan"): 0.7})) == (
        "When was X Korea made?"
    )


def test_a_fragment_like_nothing_in_the_last_question_is_not_forced_into_it() -> None:
    talks = [Turn("Who hosted the Space Engagement Talks?", "Mastalir")]
    # "Garrant" is like neither "Space", "Engagement" nor "Talks": no "Space Engagement Garrant".
    assert standalone_question("What about Garrant?", talks, alike({})) == "What about Garrant?"
    # Most like the last answer ("Japan"), the fragment is set against it, and no name in the question
    # can give way to it: "Which country did South Korea meet?" would be another question.
    met = [Turn("Which country did the U.S. meet?", "Japan")]
    met_alike = alike({("South Korea", "Japan"): 0.75, ("South Korea", "U.S."): 0.5})
    assert standalone_question("And South Korea?", met, met_alike) == "South Korea?"
    # Without a way to compare names, and for a phrase that is not one, the question is left as it is.
    assert standalone_question("And Japan?", talks) == "Japan?"
    assert standalone_question("And the new base?", talks, alike({})) == "The new base?"


def test_they_after_a_question_about_things_is_those_things() -> None:
    history = [Turn("What did the talks aim to establish?", "a bilateral roadmap for future collaboration")]
    assert standalone_question("who led them?", history) == "Who led the talks?"
    assert standalone_question("What was their goal?", history) == "What was the talks' goal?"
    # A phrase that only looks plural ("the status", "the analysis") is not taken for one.
    assert standalone_question("Who led them?", [Turn("What did the analysis show?", "growth")]) == "Who led them?"
    # Where the last turn named someone, "they" may be that person, as before.
    assert standalone_question("Who hosted them?", [Turn("Who led the talks?", "Lt. Gen. Philip A. Garrant")]) == (
        "Who hosted Lt. Gen. Philip A. Garrant?"
    )
