"""ggml tensor types: their byte sizes, and which ones mainline llama.cpp can load.

Kept here rather than taken from the `gguf` package because that package lags llama.cpp (it
lacks types the pinned llama.cpp has) and knows nothing of the ik_llama.cpp-only types that
some DeepSeek repos publish, which deserve a specific message.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.i18n import translate


@dataclass(frozen=True, slots=True)
class QuantType:
    id: int
    name: str
    block_size: int  # elements per block
    type_size: int  # bytes per block

    def n_bytes(self, n_elements: int) -> int:
        return n_elements // self.block_size * self.type_size

    @property
    def bits_per_weight(self) -> float:
        return self.type_size * 8 / self.block_size


# From ggml/include/ggml.h and ggml.c's type traits at the llama.cpp llama-cpp-python 0.3.36 pins.
_MAINLINE = [
    QuantType(0, "F32", 1, 4), QuantType(1, "F16", 1, 2),
    QuantType(2, "Q4_0", 32, 18), QuantType(3, "Q4_1", 32, 20),
    QuantType(6, "Q5_0", 32, 22), QuantType(7, "Q5_1", 32, 24),
    QuantType(8, "Q8_0", 32, 34), QuantType(9, "Q8_1", 32, 36),
    QuantType(10, "Q2_K", 256, 84), QuantType(11, "Q3_K", 256, 110),
    QuantType(12, "Q4_K", 256, 144), QuantType(13, "Q5_K", 256, 176),
    QuantType(14, "Q6_K", 256, 210), QuantType(15, "Q8_K", 256, 292),
    QuantType(16, "IQ2_XXS", 256, 66), QuantType(17, "IQ2_XS", 256, 74),
    QuantType(18, "IQ3_XXS", 256, 98), QuantType(19, "IQ1_S", 256, 50),
    QuantType(20, "IQ4_NL", 32, 18), QuantType(21, "IQ3_S", 256, 110),
    QuantType(22, "IQ2_S", 256, 82), QuantType(23, "IQ4_XS", 256, 136),
    QuantType(24, "I8", 1, 1), QuantType(25, "I16", 1, 2), QuantType(26, "I32", 1, 4),
    QuantType(27, "I64", 1, 8), QuantType(28, "F64", 1, 8),
    QuantType(29, "IQ1_M", 256, 56), QuantType(30, "BF16", 1, 2),
    QuantType(34, "TQ1_0", 256, 54), QuantType(35, "TQ2_0", 256, 66),
    QuantType(39, "MXFP4", 32, 17), QuantType(40, "NVFP4", 64, 36),
    QuantType(41, "Q1_0", 128, 18), QuantType(42, "Q2_0", 64, 18),
]
MAINLINE_TYPES: dict[int, QuantType] = {t.id: t for t in _MAINLINE}
BY_NAME: dict[str, QuantType] = {t.name: t for t in _MAINLINE}

# Types llama.cpp once had and removed: old files that no current build loads.
REMOVED_TYPES = {
    4: "Q4_2", 5: "Q4_3", 31: "Q4_0_4_4", 32: "Q4_0_4_8", 33: "Q4_0_8_8",
    36: "IQ4_NL_4_4", 37: "IQ4_NL_4_8", 38: "IQ4_NL_8_8",
}

# Types only ik_llama.cpp defines (its DeepSeek quants use them).
IK_LLAMA_TYPES = {
    133: "Q6_0", 134: "IQ1_BN", 135: "IQ2_BN", 137: "IQ2_K", 138: "IQ3_K", 139: "IQ4_K",
    140: "IQ5_K", 141: "IQ6_K", 144: "IQ4_KS", 145: "IQ2_KS", 146: "IQ4_KSS", 152: "IQ5_KS",
    153: "IQ2_KT", 154: "IQ3_KT", 155: "IQ4_KT", 156: "IQ3_KS", 157: "IQ2_KL", 158: "IQ1_KT",
}


def unsupported_quant_message(file_name: str, tensor_name: str, type_id: int) -> str:
    """Why llama.cpp cannot load `file_name`, whose tensor `tensor_name` is of `type_id`."""
    if type_id in REMOVED_TYPES:
        return translate(
            "QuantTypes",
            "{name} cannot be loaded: tensor {tensor} uses quant type {quant}, which llama.cpp "
            "no longer supports (the file predates its removal); get a recent conversion of this "
            "model.",
        ).format(name=file_name, tensor=tensor_name, quant=REMOVED_TYPES[type_id])
    if type_id in IK_LLAMA_TYPES:
        return translate(
            "QuantTypes",
            "{name} cannot be loaded: tensor {tensor} uses quant type {quant}, which exists only "
            "in ik_llama.cpp; pick a quant of this model made for mainline llama.cpp.",
        ).format(name=file_name, tensor=tensor_name, quant=IK_LLAMA_TYPES[type_id])
    if type_id >= 128:
        return translate(
            "QuantTypes",
            "{name} cannot be loaded: tensor {tensor} uses quant type #{type_id}, which mainline "
            "llama.cpp does not have (ik_llama.cpp and its forks number their own types from "
            "128); pick a mainline quant.",
        ).format(name=file_name, tensor=tensor_name, type_id=type_id)
    return translate(
        "QuantTypes",
        "{name} cannot be loaded: tensor {tensor} uses quant type #{type_id}, which this "
        "llama.cpp does not know; the file may be damaged, or it needs a newer llama.cpp.",
    ).format(name=file_name, tensor=tensor_name, type_id=type_id)
