"""The official DeepSeek chat templates, verbatim, for GGUF files that carry none and as fixtures.

Each constant is the exact `chat_template` text the model's publisher shipped (split over lines
only for reading: the pieces concatenate to the original). Where the source is noted as a copy,
the text was cross-checked between at least two independent copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# DeepSeek-R1 (671B, deepseek2), tokenizer_config.json as updated on 2025-02-09: the generation
# prompt ends `<｜Assistant｜><think>\n`, so the answer starts inside the reasoning.
# Source: huggingface.co/deepseek-ai/DeepSeek-R1; copy in mindspore golden-stick's DeepSeek-R1
# quantization script, identical to DEEPSEEK_R1_ORIGINAL except for the generation prompt (the
# only change DeepSeek made, see hwb96.github.io's analysis of that commit).
DEEPSEEK_R1 = (
    '{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}'
    '{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, '
    "system_prompt='', is_first_sp=true) %}{%- for message in messages %}"
    "{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}"
    "{% set ns.system_prompt = ns.system_prompt + message['content'] %}"
    '{% set ns.is_first_sp = false %}{%- else %}'
    "{% set ns.system_prompt = ns.system_prompt + '\\n\\n' + message['content'] %}"
    '{%- endif %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}'
    "{%- for message in messages %}{%- if message['role'] == 'user' %}"
    "{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and 'tool_calls' in message %}"
    "{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls'] %}"
    "{%- if not ns.is_first %}{%- if message['content'] is none %}"
    "{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] "
    "+ '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- else %}"
    "{{'<｜Assistant｜>' + message['content'] "
    "+ '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}"
    '{%- set ns.is_first = true -%}{%- else %}'
    "{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}"
    "{%- endfor %}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and 'tool_calls' not in message %}"
    '{%- if ns.is_tool %}'
    "{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}"
    "{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}"
    "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}"
    "{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}"
    '{%- if ns.is_output_first %}'
    "{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] "
    "+ '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}"
    "{{'<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}"
    "{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}"
    "{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}"
    '{% endif %}'
)

# DeepSeek-R1, the original 2025-01-20 template (still inside many GGUFs, e.g. early
# unsloth/DeepSeek-R1-GGUF uploads): the generation prompt ends `<｜Assistant｜>` only.
# Source: the template llama.cpp's server printed for unsloth's DeepSeek-R1-Q4_K_M
# (ipex-llm FlashMoE quickstart log). `\n` here is a Jinja escape inside the template text.
DEEPSEEK_R1_ORIGINAL = (
    '{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}'
    '{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, '
    "system_prompt='', is_first_sp=true) %}{%- for message in messages %}"
    "{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}"
    "{% set ns.system_prompt = ns.system_prompt + message['content'] %}"
    '{% set ns.is_first_sp = false %}{%- else %}'
    "{% set ns.system_prompt = ns.system_prompt + '\\n\\n' + message['content'] %}"
    '{%- endif %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}'
    "{%- for message in messages %}{%- if message['role'] == 'user' %}"
    "{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and 'tool_calls' in message %}"
    "{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls'] %}"
    "{%- if not ns.is_first %}{%- if message['content'] is none %}"
    "{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] "
    "+ '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- else %}"
    "{{'<｜Assistant｜>' + message['content'] "
    "+ '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}"
    '{%- set ns.is_first = true -%}{%- else %}'
    "{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}"
    "{%- endfor %}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and 'tool_calls' not in message %}"
    '{%- if ns.is_tool %}'
    "{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}"
    "{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}"
    "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}"
    "{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}"
    '{%- if ns.is_output_first %}'
    "{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] "
    "+ '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}"
    "{{'<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}"
    "{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}"
    "{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜>'}}{% endif %}"
)

# DeepSeek-R1-0528 (also its DeepSeek-R1-0528-Qwen3-8B distill): system prompts are supported and
# the user turn itself emits `<｜Assistant｜>`; nothing prefills `<think>` (the model opens it).
# Source: huggingface.co/deepseek-ai/DeepSeek-R1-0528 tokenizer_config.json, as copied in two
# third-party projects that agree except where each patched it (one added an `enable_thinking`
# switch, one a `tojson` on tool arguments); both patches are undone here. Not byte-verified.
DEEPSEEK_R1_0528 = (
    '{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}'
    '{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, '
    "system_prompt='', is_first_sp=true, is_last_user=false) %}"
    "{%- for message in messages %}{%- if message['role'] == 'system' %}"
    '{%- if ns.is_first_sp %}'
    "{% set ns.system_prompt = ns.system_prompt + message['content'] %}"
    '{% set ns.is_first_sp = false %}{%- else %}'
    "{% set ns.system_prompt = ns.system_prompt + '\n\n' + message['content'] %}"
    '{%- endif %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}'
    "{%- for message in messages %}{% set content = message['content'] %}"
    "{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}"
    '{%- set ns.is_first = false -%}{%- set ns.is_last_user = true -%}'
    "{{'<｜User｜>' + content + '<｜Assistant｜>'}}{%- endif %}"
    "{%- if message['role'] == 'assistant' %}{% if '</think>' in content %}"
    "{% set content = content.split('</think>')[-1] %}{% endif %}{% endif %}"
    "{%- if message['role'] == 'assistant' and message['tool_calls'] is defined "
    "and message['tool_calls'] is not none %}{%- set ns.is_last_user = false -%}"
    "{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{%- endif %}"
    '{%- set ns.is_first = false %}{%- set ns.is_tool = false -%}'
    "{%- set ns.is_output_first = true %}{%- for tool in message['tool_calls'] %}"
    '{%- if not ns.is_first %}{%- if content is none %}'
    "{{'<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\n' + '```json' + '\n' "
    "+ tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}{%- else %}"
    "{{content + '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] "
    "+ '<｜tool▁sep｜>' + tool['function']['name'] + '\n' + '```json' + '\n' "
    "+ tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}"
    '{%- set ns.is_first = true -%}{%- else %}'
    "{{'\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\n' + '```json' + '\n' "
    "+ tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}"
    "{%- endfor %}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and (message['tool_calls'] is not "
    "defined or message['tool_calls'] is none)%}{%- set ns.is_last_user = false -%}"
    "{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>' + content + '<｜end▁of▁sentence｜>'}}"
    "{%- set ns.is_tool = false -%}{%- else %}{{content + '<｜end▁of▁sentence｜>'}}"
    "{%- endif %}{%- endif %}{%- if message['role'] == 'tool' %}"
    '{%- set ns.is_last_user = false -%}{%- set ns.is_tool = true -%}'
    '{%- if ns.is_output_first %}'
    "{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + content + '<｜tool▁output▁end｜>'}}"
    '{%- set ns.is_output_first = false %}{%- else %}'
    "{{'\n<｜tool▁output▁begin｜>' + content + '<｜tool▁output▁end｜>'}}{%- endif %}"
    "{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}"
    '{% if add_generation_prompt and not ns.is_last_user and not ns.is_tool %}'
    "{{'<｜Assistant｜>'}}{% endif %}"
)

# DeepSeek-V3 (2024-12): never reasons; generation prompt `<｜Assistant｜>`.
# Source: huggingface.co/deepseek-ai/DeepSeek-V3 tokenizer_config.json, as copied in MindSpore
# mindformers' DeepSeek-R1 deployment guide and in a Together model list (identical text). Both
# decode `'\n\n'` to real newlines inside the Jinja string; an escaped form renders the same.
DEEPSEEK_V3 = (
    '{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}'
    '{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, '
    "system_prompt='', is_first_sp=true) %}{%- for message in messages %}"
    "{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}"
    "{% set ns.system_prompt = ns.system_prompt + message['content'] %}"
    '{% set ns.is_first_sp = false %}{%- else %}'
    "{% set ns.system_prompt = ns.system_prompt + '\n\n' + message['content'] %}"
    '{%- endif %}{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}'
    "{%- for message in messages %}{%- if message['role'] == 'user' %}"
    "{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['content'] is none %}"
    "{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls']%}"
    '{%- if not ns.is_first %}'
    "{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] "
    "+ '<｜tool▁sep｜>' + tool['function']['name'] + '\n' + '```json' + '\n' "
    "+ tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}"
    '{%- set ns.is_first = true -%}{%- else %}'
    "{{'\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\n' + '```json' + '\n' "
    "+ tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}"
    "{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['content'] is not none %}"
    '{%- if ns.is_tool %}'
    "{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}"
    '{%- set ns.is_tool = false -%}{%- else %}'
    "{{'<｜Assistant｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}"
    '{%- if ns.is_output_first %}'
    "{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] "
    "+ '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}"
    "{{'\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}"
    "{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}"
    "{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜>'}}{% endif %}"
)

# DeepSeek-V3-0324: the user turn emits `<｜Assistant｜>` itself (like R1-0528), no reasoning.
# Source: `tokenizer.chat_template` of unsloth/DeepSeek-V3-0324-GGUF, printed by
# llama-cpp-python's loader (both its metadata dump and its "Using gguf chat template" line).
DEEPSEEK_V3_0324 = (
    '{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}'
    '{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, '
    "system_prompt='', is_first_sp=true, is_last_user=false) %}"
    "{%- for message in messages %}{%- if message['role'] == 'system' %}"
    '{%- if ns.is_first_sp %}'
    "{% set ns.system_prompt = ns.system_prompt + message['content'] %}"
    '{% set ns.is_first_sp = false %}{%- else %}'
    "{% set ns.system_prompt = ns.system_prompt + '\n\n' + message['content'] %}"
    '{%- endif %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}'
    "{%- for message in messages %}{%- if message['role'] == 'user' %}"
    '{%- set ns.is_tool = false -%}{%- set ns.is_first = false -%}'
    '{%- set ns.is_last_user = true -%}'
    "{{'<｜User｜>' + message['content'] + '<｜Assistant｜>'}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['tool_calls'] is defined "
    "and message['tool_calls'] is not none %}{%- set ns.is_last_user = false -%}"
    "{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{%- endif %}"
    '{%- set ns.is_first = false %}{%- set ns.is_tool = false -%}'
    "{%- set ns.is_output_first = true %}{%- for tool in message['tool_calls'] %}"
    "{%- if not ns.is_first %}{%- if message['content'] is none %}"
    "{{'<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\n' + '```json' + '\n' "
    "+ tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}{%- else %}"
    "{{message['content'] + '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' "
    "+ tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\n' "
    "+ '```json' + '\n' + tool['function']['arguments'] + '\n' + '```' "
    "+ '<｜tool▁call▁end｜>'}}{%- endif %}{%- set ns.is_first = true -%}{%- else %}"
    "{{'\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\n' + '```json' + '\n' "
    "+ tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}"
    "{%- endfor %}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and (message['tool_calls'] is not "
    "defined or message['tool_calls'] is none)%}{%- set ns.is_last_user = false -%}"
    '{%- if ns.is_tool %}'
    "{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}"
    "{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}"
    "{{content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endif %}"
    "{%- if message['role'] == 'tool' %}{%- set ns.is_last_user = false -%}"
    '{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}'
    "{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] "
    "+ '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}"
    "{{'\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}"
    "{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}"
    '{% if add_generation_prompt and not ns.is_last_user and not ns.is_tool %}'
    "{{'<｜Assistant｜>'}}{% endif %}"
)

# DeepSeek-V3.1 (also V3.1-Terminus): hybrid. Variable `thinking` (default false) makes the
# generation prompt end `<｜Assistant｜><think>`, otherwise `<｜Assistant｜></think>`. This original
# text knows no `enable_thinking` alias; callers pass both names.
# Source: huggingface.co/deepseek-ai/DeepSeek-V3.1, as first copied into llama.cpp's
# models/templates/deepseek-ai-DeepSeek-V3.1.jinja (later reformatted upstream; two forks agree).
DEEPSEEK_V3_1 = (
    '{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}'
    '{% endif %}{% if not thinking is defined %}{% set thinking = false %}{% endif %}'
    "{% set ns = namespace(is_first=false, is_tool=false, system_prompt='', "
    'is_first_sp=true, is_last_user=false) %}{%- for message in messages %}'
    "{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}"
    "{% set ns.system_prompt = ns.system_prompt + message['content'] %}"
    '{% set ns.is_first_sp = false %}{%- else %}'
    "{% set ns.system_prompt = ns.system_prompt + '\n\n' + message['content'] %}"
    '{%- endif %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}'
    "{%- for message in messages %}{%- if message['role'] == 'user' %}"
    '{%- set ns.is_tool = false -%}{%- set ns.is_first = false -%}'
    "{%- set ns.is_last_user = true -%}{{'<｜User｜>' + message['content']}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['tool_calls'] is defined "
    "and message['tool_calls'] is not none %}{%- if ns.is_last_user %}"
    "{{'<｜Assistant｜></think>'}}{%- endif %}{%- set ns.is_last_user = false -%}"
    '{%- set ns.is_first = false %}{%- set ns.is_tool = false -%}'
    "{%- for tool in message['tool_calls'] %}{%- if not ns.is_first %}"
    "{%- if message['content'] is none %}"
    "{{'<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>'+ tool['function']['name'] "
    "+ '<｜tool▁sep｜>' + tool['function']['arguments'] + '<｜tool▁call▁end｜>'}}{%- else %}"
    "{{message['content'] + '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' "
    "+ tool['function']['name'] + '<｜tool▁sep｜>' + tool['function']['arguments'] "
    "+ '<｜tool▁call▁end｜>'}}{%- endif %}{%- set ns.is_first = true -%}{%- else %}"
    "{{'<｜tool▁call▁begin｜>'+ tool['function']['name'] + '<｜tool▁sep｜>' "
    "+ tool['function']['arguments'] + '<｜tool▁call▁end｜>'}}{%- endif %}{%- endfor %}"
    "{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and (message['tool_calls'] is not "
    "defined or message['tool_calls'] is none) %}{%- if ns.is_last_user %}"
    "{{'<｜Assistant｜>'}}"
    "{%- if message['prefix'] is defined and message['prefix'] and thinking %}"
    "{{'<think>'}}  {%- else %}{{'</think>'}}{%- endif %}{%- endif %}"
    '{%- set ns.is_last_user = false -%}{%- if ns.is_tool %}'
    "{{message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}"
    "{%- else %}{%- set content = message['content'] -%}{%- if '</think>' in content %}"
    "{%- set content = content.split('</think>', 1)[1] -%}{%- endif %}"
    "{{content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endif %}"
    "{%- if message['role'] == 'tool' %}{%- set ns.is_last_user = false -%}"
    '{%- set ns.is_tool = true -%}'
    "{{'<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}"
    '{%- endfor -%}{%- if add_generation_prompt and ns.is_last_user and not ns.is_tool %}'
    "{{'<｜Assistant｜>'}}{%- if not thinking %}{{'</think>'}}{%- else %}{{'<think>'}}"
    '{%- endif %}{% endif %}'
)

# DeepSeek-R1-Distill-Qwen-* and -Llama-* (qwen2 / llama architectures), updated 2025-02-09:
# generation prompt `<｜Assistant｜><think>\n`. Differs from R1's: only the last system message
# is kept, and tool calls are matched on `content is none`.
# Source: llama.cpp models/templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja (ggerganov,
# commit f0d3ff23), a copy of huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-32B.
DEEPSEEK_R1_DISTILL = (
    '{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}'
    '{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, '
    "system_prompt='') %}{%- for message in messages %}"
    "{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}"
    '{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}'
    "{%- for message in messages %}{%- if message['role'] == 'user' %}"
    "{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['content'] is none %}"
    "{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls']%}"
    '{%- if not ns.is_first %}'
    "{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] "
    "+ '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}"
    '{%- set ns.is_first = true -%}{%- else %}'
    "{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}"
    "{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['content'] is not none %}"
    '{%- if ns.is_tool %}'
    "{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}"
    "{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}"
    "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}"
    "{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}"
    '{%- if ns.is_output_first %}'
    "{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] "
    "+ '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}"
    "{{'\\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}"
    "{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}"
    '{% endif %}{% if add_generation_prompt and not ns.is_tool %}'
    "{{'<｜Assistant｜><think>\\n'}}{% endif %}"
)

# The distills' original 2025-01-20 template: generation prompt `<｜Assistant｜>` only.
# Source: a mirror of DeepSeek-R1-Distill-Qwen-32B's tokenizer_config.json; byte-identical to
# llama.cpp's deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja (same sha256, b6835114…).
DEEPSEEK_R1_DISTILL_ORIGINAL = (
    '{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}'
    '{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, '
    "system_prompt='') %}{%- for message in messages %}"
    "{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}"
    '{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}'
    "{%- for message in messages %}{%- if message['role'] == 'user' %}"
    "{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['content'] is none %}"
    "{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls']%}"
    '{%- if not ns.is_first %}'
    "{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] "
    "+ '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}"
    '{%- set ns.is_first = true -%}{%- else %}'
    "{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' "
    "+ tool['function']['name'] + '\\n' + '```json' + '\\n' "
    "+ tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}"
    "{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['content'] is not none %}"
    '{%- if ns.is_tool %}'
    "{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}"
    "{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}"
    "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}"
    "{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}"
    '{%- if ns.is_output_first %}'
    "{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] "
    "+ '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}"
    "{{'\\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}"
    "{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}"
    "{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜>'}}"
    '{% endif %}'
)

# DeepSeek-V3.2 (also V3.2-Exp and V3.2-Speciale, deepseek32). DeepSeek publishes no Jinja for
# V3.2, only a Python encoder (encoding/encoding_dsv32.py in the model repo); this is written from
# it for files without a template. Chat only (the app sends no tools): all system messages lead,
# joined by a blank line, with no marker; each user turn is `<｜User｜>`; earlier answers are
# `<｜Assistant｜></think>answer<｜end▁of▁sentence｜>` (their reasoning is dropped); the generation
# prompt is `<｜Assistant｜><think>` thinking, `<｜Assistant｜><think></think>` not.
DEEPSEEK_V3_2 = (
    "{%- if not add_generation_prompt is defined -%}{%- set add_generation_prompt = false -%}"
    "{%- endif -%}{%- if not thinking is defined -%}{%- if enable_thinking is defined -%}"
    "{%- set thinking = enable_thinking -%}{%- else -%}{%- set thinking = false -%}{%- endif -%}"
    "{%- endif -%}{%- set ns = namespace(system='', first=true) -%}"
    "{%- for message in messages -%}{%- if message['role'] == 'system' -%}"
    "{%- set ns.system = ns.system + ('' if ns.first else '\n\n') + (message['content'] or '') -%}"
    "{%- set ns.first = false -%}{%- endif -%}{%- endfor -%}{{- bos_token + ns.system -}}"
    "{%- for message in messages -%}{%- if message['role'] == 'user' -%}"
    "{{- '<｜User｜>' + (message['content'] or '') -}}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{- '<｜Assistant｜></think>' + (message['content'] or '') + '<｜end▁of▁sentence｜>' -}}"
    "{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}"
    "{{- '<｜Assistant｜><think>' if thinking else '<｜Assistant｜><think></think>' -}}{%- endif -%}"
)

# DeepSeek-V4 (V4-Flash, V4-Pro, deepseek4), written from DeepSeek's Python encoder
# (encoding/encoding_dsv4.py) for files without a template. As V3.2, except: consecutive user
# turns merge into one, joined by a blank line; the generation prompt without thinking is a bare
# `<｜Assistant｜></think>`; and with thinking, `reasoning_effort="max"` puts DeepSeek's effort
# preamble right after BOS (the text of the encoder's REASONING_EFFORT_MAX).
V4_EFFORT_MAX = (
    "Reasoning Effort: Absolute maximum with no shortcuts permitted.\n"
    "You MUST be very thorough in your thinking and comprehensively decompose the problem to "
    "resolve the root cause, rigorously stress-testing your logic against all potential paths, "
    "edge cases, and adversarial scenarios.\n"
    "Explicitly write out your entire deliberation process, documenting every intermediate "
    "step, considered alternative, and rejected hypothesis to ensure absolutely no assumption is "
    "left unchecked.\n\n"
)
DEEPSEEK_V4 = (
    "{%- if not add_generation_prompt is defined -%}{%- set add_generation_prompt = false -%}"
    "{%- endif -%}{%- if not thinking is defined -%}{%- if enable_thinking is defined -%}"
    "{%- set thinking = enable_thinking -%}{%- else -%}{%- set thinking = false -%}{%- endif -%}"
    "{%- endif -%}{%- set ns = namespace(system='', first=true, in_user=false) -%}"
    "{%- for message in messages -%}{%- if message['role'] == 'system' -%}"
    "{%- set ns.system = ns.system + ('' if ns.first else '\n\n') + (message['content'] or '') -%}"
    "{%- set ns.first = false -%}{%- endif -%}{%- endfor -%}{{- bos_token -}}"
    "{%- if messages and thinking and reasoning_effort is defined and reasoning_effort == 'max' -%}"
    "{{- '" + V4_EFFORT_MAX.replace("\n", "\\n") + "' -}}{%- endif -%}{{- ns.system -}}"
    "{%- for message in messages -%}{%- if message['role'] == 'user' -%}"
    "{{- '\n\n' if ns.in_user else '<｜User｜>' -}}{%- set ns.in_user = true -%}"
    "{{- message['content'] or '' -}}{%- elif message['role'] == 'assistant' -%}"
    "{%- set ns.in_user = false -%}"
    "{{- '<｜Assistant｜></think>' + (message['content'] or '') + '<｜end▁of▁sentence｜>' -}}"
    "{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}"
    "{{- '<｜Assistant｜><think>' if thinking else '<｜Assistant｜></think>' -}}{%- endif -%}"
)

# Not DeepSeek's: ChatML, the format llama.cpp itself falls back to, for a model of unknown family
# whose file has no template. Written here, no upstream source.
CHATML_FALLBACK = (
    '{% for message in messages %}'
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# Every template above by a stable name, for test fixtures and generated test models.
BUILTIN_TEMPLATES: Mapping[str, str] = MappingProxyType({
    "deepseek-r1": DEEPSEEK_R1,
    "deepseek-r1-original": DEEPSEEK_R1_ORIGINAL,
    "deepseek-r1-0528": DEEPSEEK_R1_0528,
    "deepseek-v3": DEEPSEEK_V3,
    "deepseek-v3-0324": DEEPSEEK_V3_0324,
    "deepseek-v3.1": DEEPSEEK_V3_1,
    "deepseek-v3.2": DEEPSEEK_V3_2,
    "deepseek-v4": DEEPSEEK_V4,
    "deepseek-r1-distill": DEEPSEEK_R1_DISTILL,
    "deepseek-r1-distill-original": DEEPSEEK_R1_DISTILL_ORIGINAL,
    "chatml": CHATML_FALLBACK,
})
