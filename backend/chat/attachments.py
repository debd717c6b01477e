"""Files attached to a message: read as text (text and code in any encoding, PDF, .docx), refused
with a reason (missing, binary, an image, too large for the context), counted in tokens, and
written into the user's turn in DeepSeek's own file format.

The model never sees a file, only its text, in the block DeepSeek's chat uses for uploads (the
R1 model card's `file_template`): `[file name]: …`, `[file content begin]`, the text,
`[file content end]`, then the question. Local and remote engines get the same text.
"""

from __future__ import annotations

import codecs
import logging
import math
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

from backend.chat.messages import Attachment, AttachmentKind, ChatMessage, Role
from backend.errors import InputError
from backend.i18n import translate
from backend.units import format_bytes

MAX_FILE_BYTES = 64 << 20  # more text than any model's context; PDFs with images stay under it
MAX_DOCX_XML_BYTES = 256 << 20  # the unpacked document: refuses zip bombs
# What an answer needs room for: a message may fill three quarters of the context, no more.
MESSAGE_SHARE = 0.75
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff",
                             ".heic", ".heif", ".avif", ".ico"})
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM",
                b"II*\x00", b"MM\x00*")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# Legacy encodings in the order they are met: Chinese first (the app's users), then Japanese,
# Korean, and the Windows code pages.
_LEGACY_ENCODINGS = ("gb18030", "big5", "shift_jis", "euc_jp", "euc_kr", "cp1252", "cp1251",
                     "cp1250", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
                     "koi8_r", "cp874")
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1b")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")

TokenCounter = Callable[[str], int]


class AttachmentError(InputError, ValueError):
    """A file that cannot be attached: the message says which and why."""


# -- reading -------------------------------------------------------------------------------------


def read_attachment(path: Path | str, *, count_tokens: TokenCounter | None = None) -> Attachment:
    """The file at `path` as an attachment: its text, and that text's length in tokens
    (`count_tokens`, the loaded model's tokenizer, else an estimate). Raises `AttachmentError`
    for a missing, unreadable, binary, image or oversized file."""
    path = Path(path)
    name = path.name
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise AttachmentError(translate(
            "Attachments", "{path} does not exist. Check the name and the folder, then attach "
            "it again.").format(path=path)) from None
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if path.is_dir():
        raise AttachmentError(translate(
            "Attachments", "{path} is a folder. Attach the files in it one by one."
        ).format(path=path))
    size = stat.st_size
    if size > MAX_FILE_BYTES:
        raise AttachmentError(translate(
            "Attachments", "{name} is {size}; files up to {limit} can be attached."
        ).format(name=name, size=format_bytes(size), limit=format_bytes(MAX_FILE_BYTES)))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    kind, text = decode_file(name, data)
    if not text.strip():
        raise AttachmentError(translate(
            "Attachments", "{name} is empty: there is no text in it to attach.").format(name=name))
    tokens = (count_tokens or estimate_tokens)(file_block(name, text))
    return Attachment(name=name, kind=kind, size=size, text=text, tokens=tokens)


def decode_file(name: str, data: bytes) -> tuple[AttachmentKind, str]:
    """A file's text from its bytes: PDF and .docx by their format, anything else as text in
    whatever encoding it is in."""
    if data.startswith(b"%PDF-") or (name.lower().endswith(".pdf") and b"%PDF-" in data[:1024]):
        return AttachmentKind.PDF, _pdf_text(name, data)
    if name.lower().endswith(".docx") and data.startswith(b"PK"):
        return AttachmentKind.DOCX, _docx_text(name, data)
    if _is_image(name, data):
        raise AttachmentError(translate(
            "Attachments", "{name} is an image, and this model cannot see images. Describe it in "
            "words, or attach text, Markdown, code, PDF or .docx files.").format(name=name))
    text = decode_text(data)
    if text is None:
        raise AttachmentError(translate(
            "Attachments", "{name} is not a text file (it holds binary data). Attach text, "
            "Markdown, code, PDF or .docx files.").format(name=name))
    return AttachmentKind.TEXT, text


def decode_text(data: bytes) -> str | None:
    """`data` as text, its encoding detected (a BOM, UTF-8, else `charset_normalizer`); None
    when it is not text. Line ends become `\\n`."""
    text = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            break
    if text is None:
        if b"\x00" in data[:65536]:
            return None  # no text encoding without a BOM puts NULs in ordinary text
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _legacy_text(data)
            if text is None:
                return None
    if _looks_binary(text):
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _legacy_text(data: bytes) -> str | None:
    """Text in a legacy encoding, as `charset_normalizer` detects it among the ones people's files
    are in; of the equally clean readings, the most widespread encoding wins (a short French text
    reads as cleanly in the Baltic code page as in Windows' Western one)."""
    from charset_normalizer import from_bytes  # slow to import: only for legacy encodings

    matches = list(from_bytes(data, cp_isolation=list(_LEGACY_ENCODINGS)))
    if not matches:
        return None
    cleanest = min(m.chaos for m in matches)
    best = min((m for m in matches if m.chaos <= cleanest + 0.1),
               key=lambda m: _LEGACY_ENCODINGS.index(m.encoding)
               if m.encoding in _LEGACY_ENCODINGS else len(_LEGACY_ENCODINGS))
    return str(best)


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = sum(1 for ch in sample
                   if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc")
    return controls > max(2, len(sample) // 200)


def _is_image(name: str, data: bytes) -> bool:
    if Path(name).suffix.lower() in _IMAGE_SUFFIXES:
        return True
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return True
    return data.startswith(_IMAGE_MAGIC)


def _pdf_text(name: str, data: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    # pypdf logs what it repairs in odd files: to the app's log, never on a bare stderr (the CLI's
    # one-line errors) through logging's last-resort handler.
    pypdf_log = logging.getLogger("pypdf")
    if not pypdf_log.handlers:
        pypdf_log.addHandler(logging.NullHandler())

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")  # many PDFs are "encrypted" with an empty password
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError:
        raise AttachmentError(translate(
            "Attachments", "{name} is protected by a password. Save a copy without the password "
            "and attach that.").format(name=name)) from None
    # A damaged PDF fails in many ways inside pypdf: these are the ones its parser raises.
    except (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, zlib.error,
            struct.error, RecursionError) as exc:
        raise AttachmentError(translate(
            "Attachments", "{name} is not a readable PDF ({error}). Open it in a PDF reader to "
            "check it, or attach its text instead.").format(name=name, error=_short(exc))) from exc
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise AttachmentError(translate(
            "Attachments", "{name} has no text to read: its pages are probably scanned images, "
            "and this model cannot see images.").format(name=name))
    return text


def _docx_text(name: str, data: bytes) -> str:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            xml = archive.read(info) if info.file_size <= MAX_DOCX_XML_BYTES else b""
        root = ElementTree.fromstring(xml) if xml else None
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, zlib.error, EOFError) as exc:
        raise AttachmentError(translate(
            "Attachments", "{name} is not a readable Word document ({error}). Save it again as "
            ".docx, or attach its text instead.").format(name=name, error=_short(exc))) from exc
    if root is None:
        raise AttachmentError(translate(
            "Attachments", "{name} unpacks to {size}; Word documents up to {limit} unpacked "
            "can be attached.").format(name=name, size=format_bytes(info.file_size),
                                limit=format_bytes(MAX_DOCX_XML_BYTES)))
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        pieces = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t":
                pieces.append(node.text or "")
            elif node.tag == f"{_W}tab":
                pieces.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                pieces.append("\n")
        paragraphs.append("".join(pieces))
    return "\n".join(paragraphs).strip("\n")


def _unreadable(path: Path, exc: OSError) -> AttachmentError:
    return AttachmentError(translate(
        "Attachments", "{path} cannot be read ({reason}). Check that the file is readable."
    ).format(path=path, reason=exc.strerror or exc))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"


# -- tokens and the context ----------------------------------------------------------------------


def estimate_tokens(text: str) -> int:
    """DeepSeek's rule of thumb for its tokenizer: an English character is about 0.3 token, a
    Chinese one about 0.6."""
    cjk = len(_CJK.findall(text))
    return math.ceil(0.3 * (len(text) - cjk) + 0.6 * cjk)


def message_budget(n_ctx: int) -> int:
    """How many tokens one message may take, leaving room for the answer."""
    return int(n_ctx * MESSAGE_SHARE)


def check_fits(attachments: Sequence[Attachment], text_tokens: int, n_ctx: int) -> None:
    """Raise `AttachmentError` when the message (attachments and text) cannot fit the context
    with room for an answer, naming the largest file."""
    budget = message_budget(n_ctx)
    total = text_tokens + sum(a.tokens for a in attachments)
    if not attachments or total <= budget:
        return
    largest = max(attachments, key=lambda a: a.tokens)
    raise AttachmentError(translate(
        "Attachments", "{name} is about {tokens:,} tokens: the message would need {total:,}, but "
        "at most {budget:,} of the model's {n_ctx:,}-token context can go to it (the rest is for "
        "the answer). Attach a smaller part of the file, or use a longer context."
    ).format(name=largest.name, tokens=largest.tokens, total=total, budget=budget, n_ctx=n_ctx))


def keep_first(attachment: Attachment, tokens: int) -> Attachment:
    """The attachment cut to its first `tokens` tokens or so (by the share of its text), at a
    line break when one is near; marked truncated."""
    if tokens >= attachment.tokens:
        return attachment
    text = attachment.text
    cut = max(0, int(len(text) * max(tokens, 0) / max(attachment.tokens, 1)))
    line = text.rfind("\n", 0, cut)
    if line >= cut * 0.9:
        cut = line
    kept = text[:cut].rstrip()
    return replace(attachment, text=kept, tokens=min(tokens, attachment.tokens), truncated=True)


# -- into the prompt -----------------------------------------------------------------------------


def file_block(name: str, text: str, *, truncated: bool = False) -> str:
    """One file as DeepSeek's chat hands it to the model."""
    label = f"{name} (first part only)" if truncated else name
    return f"[file name]: {label}\n[file content begin]\n{text}\n[file content end]"


def user_turn(message: ChatMessage) -> str:
    """What the model reads for a message: a user's attached files first, then its text."""
    if message.role is not Role.USER or not message.attachments:
        return message.content
    blocks = [file_block(a.name, a.text, truncated=a.truncated) for a in message.attachments]
    return "\n".join([*blocks, message.content])
