"""Table cells found by the row a question names and the column it asks about."""

from __future__ import annotations

import re
from pathlib import Path

from citeqa import QA
from citeqa.answers import Passage, Span
from citeqa.documents import document_from_text
from citeqa.tables import TableAnswerer, find_tables

HABITATS = (
    "Lunar habitat programme\n\nThree habitats are launched separately.\n\n"
    "Habitat | Mass | Launch date | Contractor\n\n"
    "Habitat A | 14 tonnes | March 2027 | Helios Corp\n\n"
    "Habitat B | 11 tonnes | June 2028 | Orion Works\n\n"
    "Habitat C | May 2029\n\n"  # a row with cells left out: it cannot be aligned with the columns
    "Dana Whitfield reviews each launch."
)
_STOPWORDS = {"the", "a", "is", "of", "for", "what", "when", "who", "will", "how", "does", "do", "which", "in"}


def tokenize(text: str) -> list[str]:
    """Lower-case words without stopwords, plural and verb endings cut: enough of a stemmer for these tests."""
    words = re.findall(r"\w+", text.lower())
    return [re.sub(r"(?:es|s|ed|ing)$", "", w) for w in words if w not in _STOPWORDS]


def ask(question: str, text: str = HABITATS) -> list[str]:
    document = document_from_text("plan", text)
    passage = Passage(Span.of(document, 0, len(text)), 1.0, 1.0, 1.0)
    return [c.quote for c in TableAnswerer(tokenize).run(question, [passage], {"plan": document}, limit=3)]


def test_tables_are_runs_of_rows_with_as_many_cells_as_the_header() -> None:
    (table,) = find_tables(HABITATS)
    assert [HABITATS[s:e] for s, e in table.header] == ["Habitat", "Mass", "Launch date", "Contractor"]
    assert [[HABITATS[s:e] for s, e in row] for row in table.rows] == [
        ["Habitat A", "14 tonnes", "March 2027", "Helios Corp"],
        ["Habitat B", "11 tonnes", "June 2028", "Orion Works"],
    ]
    # The table spans all its lines, the one that could not be aligned included.
    assert HABITATS[table.start : table.end].startswith("Habitat |")
    assert HABITATS[table.start : table.end].endswith("Habitat C | May 2029")


def test_prose_holding_a_bar_is_not_a_table() -> None:
    prose = (
        "FIGURE 1 | Current understanding of viral induced exacerbation of chronic airway inflammatory diseases.\n\n"
        "FIGURE 2 | Proposed mechanism of viral clearance in the airway epithelium after infection."
    )
    assert find_tables(prose) == []


def test_the_cell_where_the_named_row_and_the_asked_column_cross() -> None:
    assert ask("When will Habitat B launch?") == ["June 2028"]
    assert ask("Who is the contractor for Habitat A?") == ["Helios Corp"]
    assert ask("What is the mass of Habitat B?") == ["11 tonnes"]
    # Any cell can name the row, and the answer can be the row's name.
    assert ask("Which habitat launches in June 2028?") == ["Habitat B"]


def test_of_rows_named_alike_the_one_the_question_says_more_of() -> None:
    results = (
        "set | answerer | answerable F1 | overall F1\n\nours (32) | reader | 71.7 | 75.2\n\n"
        "– | heuristic | 41.4 | 48.7\n\nNormans (208) | reader | 55.3 | 55.8"
    )
    assert ask("What is the answerable F1 of the reader on ours?", results) == ["71.7"]
    assert ask("What is the answerable F1 of the reader?", results) == []  # two reader rows


def test_the_words_that_found_the_row_do_not_also_choose_the_column() -> None:
    prices = "Ticket | Adult fare | Child fare\n\nSingle | 4.50 EUR | 2.20 EUR\n\nDay pass | 12.00 EUR | 6.00 EUR"
    assert ask("Which ticket has a child fare of 6.00 EUR?", prices) == ["Day pass"]
    assert ask("What does a day pass cost for a child?", prices) == ["6.00 EUR"]


def test_a_header_may_name_what_the_question_asks_for_without_saying_it() -> None:
    towers = "Lighthouse | Height | First lit\n\nSkerryvore | 48 m | 1844\n\nBell Rock | 35 m | 1811"
    assert ask("How tall is Skerryvore?", towers) == ["48 m"]
    assert ask("How high is the Bell Rock lighthouse?", towers) == ["35 m"]
    assert ask("When was Bell Rock first lit?", towers) == ["1811"]
    assert ask("How heavy is Habitat A?") == ["14 tonnes"]  # "Mass"
    crews = "Habitat | Name | Contractor\n\nHabitat A | Tranquility | Helios Corp"
    assert ask("Who is the contractor for Habitat A?", crews) == ["Helios Corp"]  # said beats implied
    staff = "Name | Role | Started\n\nInes Moreau | Head librarian | 2019\n\nTomas Berg | Archivist | 2023"
    assert ask("Who is the archivist?", staff) == ["Tomas Berg"]
    infobox = "Corran Point Lighthouse\n\nBuilt | 1860\n\nHeight | 12 metres\n\nDesigner | David Stevenson"
    assert ask("How tall is Corran Point Lighthouse?", infobox) == ["12 metres"]
    # A question word is too vague to name a row: "Who…?" is not asking for the "Name" row.
    named = f"{infobox}\n\nName | Corran Point Lighthouse"
    assert ask("Who designed the lighthouse?", named) == []
    built = "Lighthouse | Engineer | Year\n\nSkerryvore | Alan Stevenson | 1844\n\nBell Rock | Robert Stevenson | 1811"
    assert ask("When was Skerryvore completed?", built) == ["1844"]


def test_a_short_cell_names_its_row_when_said_after_its_column_name() -> None:
    beds = "Bed | Crop | Sown\n\nA | Tomatoes | March\n\nB | Beans | April"
    assert ask("When is bed B sown?", beds) == ["April"]
    assert ask("Which crop grows in bed A?", beds) == ["Tomatoes"]
    assert ask("When is B sown?", beds) == []  # "B" alone could be any letter of the question


def test_no_answer_unless_both_row_and_column_are_clear() -> None:
    assert ask("What is the mass?") == []  # no row named
    assert ask("How old is Habitat A?") == []  # no header says "age"
    assert ask("Compare the mass of Habitat A and Habitat B.") == []  # two rows
    assert ask("When will Habitat C launch?") == []  # its row could not be aligned
    assert ask("How many contractors does Habitat A have?") == []  # a number asked, a name found
    assert ask("Why was the launch of Habitat B moved?") == []  # a reason asked: no cell gives one


def test_a_table_in_a_word_file_answers_through_the_pipeline(tmp_path: Path) -> None:
    import docx

    corpus = tmp_path / "docs"
    corpus.mkdir()
    document = docx.Document()
    document.add_paragraph("Ferry prices", style="Title")
    document.add_paragraph("Prices for the harbour ferry, valid from April.")
    rows = [("Ticket", "Adult fare", "Child fare"), ("Single", "4.50 EUR", "2.20 EUR")]
    rows.append(("Return", "8.00 EUR", "4.00 EUR"))
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(str(corpus / "prices.docx"))
    qa = QA.from_directory(corpus, index_dir=tmp_path / "index", progress=False)
    answer = qa.ask("What does a return ticket cost for a child?")
    assert answer.text == "4.00 EUR"
    citation = answer.citations[0]
    assert citation.sentence.text == "Return | 8.00 EUR | 4.00 EUR"
    assert qa.documents["prices"].text[citation.start : citation.end] == "4.00 EUR"


def test_a_two_column_table_of_labels_and_values_needs_no_header_row() -> None:
    specs = "X200 specifications\n\nWeight | 180 g\n\nBattery | 4000 mAh\n\nMaker | Lumo Devices"
    assert ask("What is the weight?", specs) == ["180 g"]  # the first line is a row too
    assert ask("How big is the battery?", specs) == ["4000 mAh"]
    assert ask("Who is the maker?", specs) == ["Lumo Devices"]
    assert ask("Which part weighs 180 g?", specs) == ["Weight"]
    assert ask("Where is the battery?", specs) == []  # a place asked, a quantity found
    prices = "Ticket | Price\n\nSingle | 4.50 EUR\n\nReturn | 8.00 EUR"
    assert ask("What is the price of a single?", prices) == ["4.50 EUR"]
    assert ask("What is the price of a ticket?", prices) == []  # the header row asks nothing


def test_an_empty_cell_kept_in_its_place_keeps_the_row_aligned() -> None:
    fares = "Ticket | Adult fare | Child fare\n\nReturn | 8.00 EUR | –\n\nSingle | 4.50 EUR | 2.20 EUR"
    assert ask("What does a return cost for an adult?", fares) == ["8.00 EUR"]


def test_an_empty_cell_answers_that_the_table_has_no_value_there(tmp_path: Path) -> None:
    fares = "Ticket | Adult fare | Child fare\n\nReturn | 8.00 EUR | –\n\nSingle | 4.50 EUR | 2.20 EUR"
    document = document_from_text("fares", fares)
    passage = Passage(Span.of(document, 0, len(fares)), 1.0, 1.0, 1.0)
    (citation,) = TableAnswerer(tokenize).run("What does a return cost for a child?", [passage], {"fares": document}, 3)
    # Found, and scored 0: the pipeline then declines rather than ask the reader, which would quote
    # the child fare of another row.
    assert citation.quote == "–" and citation.score == 0.0 and citation.sentence.text == "Return | 8.00 EUR | –"
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "fares.csv").write_text("Ticket,Adult fare,Child fare\nReturn,8.00 EUR,\nSingle,4.50 EUR,2.20 EUR\n")
    qa = QA.from_directory(corpus, index_dir=tmp_path / "index", progress=False)
    assert not qa.ask("What does a return cost for a child?").answered
    assert qa.ask("What does a single cost for a child?").text == "2.20 EUR"
