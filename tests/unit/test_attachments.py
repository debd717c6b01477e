"""Attached files: text in any encoding, PDF and .docx read as text; the refusals with their exact
messages; token counts; cutting to fit; and the text the model reads (DeepSeek's file block)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.chat import builtin_templates as bt
from backend.chat.attachments import (
    AttachmentError,
    check_fits,
    estimate_tokens,
    keep_first,
    read_attachment,
    user_turn,
)
from backend.chat.family import FamilyInfo, ModelFamily, ThinkingMode
from backend.chat.messages import Attachment, AttachmentKind, ChatMessage, Role
from backend.chat.prompt import build_prompt
from backend.errors import InputError
from tests.support.documents import write_docx, write_pdf

CHINESE = "深度求索的模型会先思考，再回答。这段文字用来测试编码的识别是否正确。" * 4
TRADITIONAL = "這是一段繁體中文的文字，用來測試編碼。" * 3
JAPANESE = "日本語のテキストです。エンコーディングを確認します。" * 3
RUSSIAN = "Привет, как дела? Это проверка кодировки. " * 3
FRENCH = "Le café de la gare était fermé; nous sommes allés à l'hôtel à côté. " * 4


def refusal(path: Path) -> str:
    with pytest.raises(AttachmentError) as caught:
        read_attachment(path)
    assert isinstance(caught.value, InputError)  # the CLI's exit 2
    return str(caught.value)


@pytest.mark.parametrize(("encoding", "text"), [
    ("utf-8", CHINESE), ("utf-8-sig", CHINESE), ("utf-16", CHINESE), ("gb18030", CHINESE),
    ("cp1252", FRENCH), ("latin-1", FRENCH), ("utf-32", FRENCH), ("big5", TRADITIONAL),
    ("shift_jis", JAPANESE), ("cp1251", RUSSIAN), ("koi8_r", RUSSIAN),
])
def test_text_in_any_encoding_is_read(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(text.encode(encoding))
    attachment = read_attachment(path)
    assert (attachment.name, attachment.kind, attachment.text) == ("notes.txt", AttachmentKind.TEXT,
                                                                  text)
    assert attachment.size == path.stat().st_size and not attachment.truncated


def test_code_keeps_its_text_with_line_ends_made_plain(tmp_path: Path) -> None:
    path = tmp_path / "main.py"
    path.write_bytes(b"def f():\r\n\treturn 1\r\n")
    assert read_attachment(path).text == "def f():\n\treturn 1\n"


def test_a_pdf_gives_the_text_of_its_pages(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "report.pdf", ["Quarterly report\nSales rose", "",
                                               "Page three (end)"])
    attachment = read_attachment(path)
    assert (attachment.kind, attachment.text) == (
        AttachmentKind.PDF, "Quarterly report\nSales rose\n\nPage three (end)")


def test_a_docx_gives_its_paragraphs(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "letter.docx", ["Dear team,", "第二段：谢谢。"])
    attachment = read_attachment(path)
    assert (attachment.kind, attachment.text) == (AttachmentKind.DOCX, "Dear team,\n第二段：谢谢。")


def test_tokens_come_from_the_model_when_it_is_at_hand(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# Title\n", encoding="utf-8")
    counted: list[str] = []

    def count(text: str) -> int:
        counted.append(text)
        return 7

    assert read_attachment(path, count_tokens=count).tokens == 7
    # What is counted is what the model will read: the file in its block.
    assert counted == ["[file name]: a.md\n[file content begin]\n# Title\n\n[file content end]"]
    assert read_attachment(path).tokens == estimate_tokens(counted[0])


def test_the_estimate_follows_deepseeks_rule_of_thumb() -> None:
    assert estimate_tokens("a" * 100) == 30
    assert estimate_tokens("深" * 100) == 60
    assert estimate_tokens("") == 0


def test_refusals_say_which_file_and_why(tmp_path: Path) -> None:
    missing = tmp_path / "gone.txt"
    assert refusal(missing) == (f"{missing} does not exist. Check the name and the folder, then "
                                "attach it again.")
    assert refusal(tmp_path) == f"{tmp_path} is a folder. Attach the files in it one by one."
    (tmp_path / "tool.bin").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)))
    assert refusal(tmp_path / "tool.bin") == (
        "tool.bin is not a text file (it holds binary data). Attach text, Markdown, code, PDF or "
        ".docx files.")
    (tmp_path / "photo.dat").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    image = ("is an image, and this model cannot see images. Describe it in words, or attach "
             "text, Markdown, code, PDF or .docx files.")
    assert refusal(tmp_path / "photo.dat") == f"photo.dat {image}"
    (tmp_path / "cat.JPG").write_bytes(b"not really a jpeg")
    assert refusal(tmp_path / "cat.JPG") == f"cat.JPG {image}"
    (tmp_path / "empty.md").write_bytes(b"\n  \n")
    assert refusal(tmp_path / "empty.md") == "empty.md is empty: there is no text in it to attach."


def test_unreadable_documents_are_refused(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\ngarbage\n")
    assert refusal(tmp_path / "broken.pdf").startswith("broken.pdf is not a readable PDF (")
    scanned = write_pdf(tmp_path / "scan.pdf", ["", ""])
    assert refusal(scanned) == ("scan.pdf has no text to read: its pages are probably scanned "
                                "images, and this model cannot see images.")
    (tmp_path / "old.docx").write_bytes(b"PK\x03\x04 not a zip")
    assert refusal(tmp_path / "old.docx").startswith("old.docx is not a readable Word document (")


def test_a_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    plain = write_pdf(tmp_path / "plain.pdf", ["Secret plans"])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt("hunter2")
    writer.write(tmp_path / "locked.pdf")
    assert refusal(tmp_path / "locked.pdf") == (
        "locked.pdf is protected by a password. Save a copy without the password and attach that.")
    # Only an owner password (the usual "no editing" lock): it opens, and is read.
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="", owner_password="owner")
    writer.write(tmp_path / "owner.pdf")
    assert read_attachment(tmp_path / "owner.pdf").text == "Secret plans"


NOTES = Attachment("notes.md", AttachmentKind.TEXT, 2048, "line 1\nline 2\nline 3\nline 4", 4000)


def test_a_message_too_large_for_the_context_is_refused_naming_the_largest_file() -> None:
    small = Attachment("a.txt", AttachmentKind.TEXT, 10, "a", 100)
    check_fits([small, NOTES], text_tokens=100, n_ctx=8192)  # 4,200 of 6,144: fits
    with pytest.raises(AttachmentError) as caught:
        check_fits([small, NOTES], text_tokens=100, n_ctx=4096)
    assert str(caught.value) == (
        "notes.md is about 4,000 tokens: the message would need 4,200, but at most 3,072 of the "
        "model's 4,096-token context can go to it (the rest is for the answer). Attach a smaller "
        "part of the file, or use a longer context.")
    check_fits([], text_tokens=100_000, n_ctx=4096)  # a long text alone is the engine's to judge


def test_keeping_the_first_part_cuts_at_a_line_and_says_so() -> None:
    kept = keep_first(NOTES, 2000)
    assert (kept.text, kept.tokens, kept.truncated) == ("line 1\nline 2", 2000, True)
    assert keep_first(NOTES, 5000) is NOTES
    assert user_turn(ChatMessage(Role.USER, "Sum up", attachments=(kept,))) == (
        "[file name]: notes.md (first part only)\n[file content begin]\nline 1\nline 2\n"
        "[file content end]\nSum up")


def test_files_lead_the_users_turn_in_deepseeks_file_format() -> None:
    pdf = Attachment("报告.pdf", AttachmentKind.PDF, 1, "第一页", 3)
    message = ChatMessage(Role.USER, "Compare them", attachments=(NOTES, pdf))
    assert user_turn(message) == (
        "[file name]: notes.md\n[file content begin]\nline 1\nline 2\nline 3\nline 4\n"
        "[file content end]\n[file name]: 报告.pdf\n[file content begin]\n第一页\n"
        "[file content end]\nCompare them")
    assert user_turn(ChatMessage(Role.USER, "plain")) == "plain"


def test_r1_gets_the_system_text_then_the_files_then_the_question_in_the_first_turn() -> None:
    r1 = FamilyInfo(ModelFamily.R1, ThinkingMode.ALWAYS, "DeepSeek-R1")
    attached = Attachment("a.txt", AttachmentKind.TEXT, 1, "hello", 3)
    messages = (ChatMessage(Role.SYSTEM, "Answer in French."),
                ChatMessage(Role.USER, "Translate", attachments=(attached,)))
    prompt = build_prompt(messages, r1, deep_thinking=True, chat_template=bt.DEEPSEEK_R1,
                          bos_token="<s>", eos_token="</s>")
    assert prompt.text == (
        "<s><｜User｜>Answer in French.\n\n[file name]: a.txt\n[file content begin]\nhello\n"
        "[file content end]\nTranslate<｜Assistant｜><think>\n")
    v3 = FamilyInfo(ModelFamily.V3, ThinkingMode.NEVER, "DeepSeek-V3")
    prompt = build_prompt(messages, v3, deep_thinking=False, chat_template=bt.DEEPSEEK_V3,
                          bos_token="<s>", eos_token="</s>")
    assert prompt.text == (
        "<s>Answer in French.<｜User｜>[file name]: a.txt\n[file content begin]\nhello\n"
        "[file content end]\nTranslate<｜Assistant｜>")
