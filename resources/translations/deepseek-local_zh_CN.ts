<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AppController</name>
    <message>
        <source>Settings not saved</source>
        <translation>设置未保存</translation>
    </message>
    <message>
        <source>Restart to change the language</source>
        <translation>重启以切换语言</translation>
    </message>
    <message>
        <source>The new interface language takes effect after a restart. Restart DeepSeek Local now?</source>
        <translation>新的界面语言将在重启后生效。要立即重启 DeepSeek Local 吗？</translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation>立即重启</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>Connections not saved</source>
        <translation>服务器连接未保存</translation>
    </message>
    <message>
        <source>About DeepSeek Local</source>
        <translation>关于 DeepSeek Local</translation>
    </message>
    <message>
        <source>&lt;h3&gt;DeepSeek Local {0}&lt;/h3&gt;&lt;p&gt;DeepSeek V3 and R1 on your own machine, through llama.cpp.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;DeepSeek Local {0}&lt;/h3&gt;&lt;p&gt;借助 llama.cpp，在你自己的电脑上运行 DeepSeek V3 和 R1。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>AttachmentChip</name>
    <message>
        <source>Remove {0}</source>
        <translation>移除 {0}</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <source>{0:,} tokens</source>
        <translation>{0:,} 个 token</translation>
    </message>
    <message>
        <source>≈{0:,} tokens</source>
        <translation>约 {0:,} 个 token</translation>
    </message>
    <message>
        <source>first part</source>
        <translation>仅前一部分</translation>
    </message>
    <message>
        <source>Only the first part of the file is sent.</source>
        <translation>只发送文件的前一部分。</translation>
    </message>
</context>
<context>
    <name>AttachmentController</name>
    <message>
        <source>The pasted image was not attached: this model cannot see images. Describe it in words, or attach text, Markdown, code, PDF or .docx files.</source>
        <translation>粘贴的图片未添加为附件：此模型无法识别图片。请用文字描述，或添加文本、Markdown、代码、PDF 或 .docx 文件。</translation>
    </message>
    <message>
        <source>File too large for the context</source>
        <translation>文件超出上下文长度</translation>
    </message>
    <message>
        <source>{0} is about {1:,} tokens, but with room for an answer only {2:,} of the model&apos;s {3:,}-token context are left for it.

Keep only its first part (about {2:,} tokens)?</source>
        <translation>{0} 约有 {1:,} 个 token，但模型的上下文长度为 {3:,} token，为回答预留空间后只剩 {2:,} 个 token 可用于它。

是否只保留它的前一部分（约 {2:,} 个 token）？</translation>
    </message>
    <message>
        <source>Keep the first part</source>
        <translation>保留前一部分</translation>
    </message>
    <message>
        <source>Remove the file</source>
        <translation>移除文件</translation>
    </message>
</context>
<context>
    <name>Attachments</name>
    <message>
        <source>{path} does not exist. Check the name and the folder, then attach it again.</source>
        <translation>{path} 不存在。请检查文件名和所在文件夹，然后重新添加。</translation>
    </message>
    <message>
        <source>{path} is a folder. Attach the files in it one by one.</source>
        <translation>{path} 是一个文件夹。请逐个添加其中的文件。</translation>
    </message>
    <message>
        <source>{name} is {size}; files up to {limit} can be attached.</source>
        <translation>{name} 的大小为 {size}；只能添加不超过 {limit} 的文件。</translation>
    </message>
    <message>
        <source>{name} is empty: there is no text in it to attach.</source>
        <translation>{name} 是空的：其中没有可添加的文字。</translation>
    </message>
    <message>
        <source>{name} is an image, and this model cannot see images. Describe it in words, or attach text, Markdown, code, PDF or .docx files.</source>
        <translation>{name} 是图片，而此模型无法识别图片。请用文字描述，或添加文本、Markdown、代码、PDF 或 .docx 文件。</translation>
    </message>
    <message>
        <source>{name} is not a text file (it holds binary data). Attach text, Markdown, code, PDF or .docx files.</source>
        <translation>{name} 不是文本文件（其中是二进制数据）。请添加文本、Markdown、代码、PDF 或 .docx 文件。</translation>
    </message>
    <message>
        <source>{name} is protected by a password. Save a copy without the password and attach that.</source>
        <translation>{name} 受密码保护。请另存一份不带密码的副本，再添加该副本。</translation>
    </message>
    <message>
        <source>{name} is not a readable PDF ({error}). Open it in a PDF reader to check it, or attach its text instead.</source>
        <translation>{name} 不是可读取的 PDF（{error}）。请用 PDF 阅读器打开检查，或改为添加其中的文字。</translation>
    </message>
    <message>
        <source>{name} has no text to read: its pages are probably scanned images, and this model cannot see images.</source>
        <translation>{name} 中没有可读取的文字：其页面可能是扫描的图片，而此模型无法识别图片。</translation>
    </message>
    <message>
        <source>{name} is not a readable Word document ({error}). Save it again as .docx, or attach its text instead.</source>
        <translation>{name} 不是可读取的 Word 文档（{error}）。请重新另存为 .docx，或改为添加其中的文字。</translation>
    </message>
    <message>
        <source>{name} unpacks to {size}; Word documents up to {limit} unpacked can be attached.</source>
        <translation>{name} 解压后为 {size}；只能添加解压后不超过 {limit} 的 Word 文档。</translation>
    </message>
    <message>
        <source>{path} cannot be read ({reason}). Check that the file is readable.</source>
        <translation>无法读取 {path}（{reason}）。请检查该文件是否可读。</translation>
    </message>
    <message>
        <source>{name} is about {tokens:,} tokens: the message would need {total:,}, but at most {budget:,} of the model&apos;s {n_ctx:,}-token context can go to it (the rest is for the answer). Attach a smaller part of the file, or use a longer context.</source>
        <translation>{name} 约有 {tokens:,} 个 token：这条消息需要 {total:,} 个 token，但在模型 {n_ctx:,} token 的上下文中最多只能给它 {budget:,} 个（其余留给回答）。请添加文件中较小的一部分，或使用更长的上下文。</translation>
    </message>
</context>
<context>
    <name>Catalog</name>
    <message>
        <source>The model catalog {where} cannot be read ({error}). Fix the file or reinstall the app.</source>
        <translation>无法读取模型目录 {where}（{error}）。请修复该文件或重新安装应用。</translation>
    </message>
    <message>
        <source>The model catalog {where} has schema {schema!r}; this app reads schema {supported}. Update the app or the file.</source>
        <translation>模型目录 {where} 的架构版本为 {schema!r}，本应用只能读取架构版本 {supported}。请更新应用或该文件。</translation>
    </message>
    <message>
        <source>The model catalog {where} is invalid: models[{index}].{key} must be {expected} (got {value!r}). Fix the file or reinstall the app.</source>
        <translation>模型目录 {where} 无效：models[{index}].{key} 必须是{expected}（实际为 {value!r}）。请修复该文件或重新安装应用。</translation>
    </message>
    <message>
        <source>one of {values}</source>
        <translation>以下之一：{values}</translation>
    </message>
    <message>
        <source>a non-empty string</source>
        <translation>非空字符串</translation>
    </message>
    <message>
        <source>owner/name</source>
        <translation>“所有者/名称”格式</translation>
    </message>
    <message>
        <source>an object like {example}</source>
        <translation>形如 {example} 的对象</translation>
    </message>
    <message>
        <source>quant names, with a pattern for the model or each quant</source>
        <translation>量化名称，并为模型或每个量化提供文件匹配模式</translation>
    </message>
    <message>
        <source>a non-empty list</source>
        <translation>非空列表</translation>
    </message>
    <message>
        <source>an object of quant: size in GB</source>
        <translation>一个“量化: GB 大小”的对象</translation>
    </message>
    <message>
        <source>none found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <source>No {quant} files in {repo} at revision {commit}. Quants there: {quants}.</source>
        <translation>{repo} 在版本 {commit} 中没有 {quant} 文件。可用的量化：{quants}。</translation>
    </message>
    <message>
        <source>The hub has an incomplete split set {name} in {repo} at revision {commit}: {missing} missing. It could not be loaded; choose another quant or revision.</source>
        <translation>Hub 上 {repo}（版本 {commit}）中的分卷 {name} 不完整：缺少 {missing}。该模型无法加载，请选择其他量化或版本。</translation>
    </message>
    <message>
        <source>needs a newer llama.cpp: the one in this app ({runtime}) cannot run {arch} models yet</source>
        <translation>需要更新的 llama.cpp：本应用内置的版本（{runtime}）还不能运行 {arch} 模型</translation>
    </message>
    <message>
        <source>not on the hub at revision {commit}</source>
        <translation>Hub 上的版本 {commit} 中没有此量化</translation>
    </message>
</context>
<context>
    <name>CatalogTable</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Quant</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Thinking</source>
        <translation>思考模式</translation>
    </message>
    <message>
        <source>On this machine</source>
        <translation>本机运行情况</translation>
    </message>
    <message>
        <source>Loaded</source>
        <translation>已加载</translation>
    </message>
    <message>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <source>Recommended</source>
        <translation>推荐</translation>
    </message>
    <message>
        <source>Licence: {license}. {note}</source>
        <translation>许可证：{license}。{note}</translation>
    </message>
    <message>
        <source>Unavailable: {problem}</source>
        <translation>不可用：{problem}</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <source>chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Export conversation</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown 文件 (*.md)</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>Could not write {0}: {1}</source>
        <translation>无法写入 {0}：{1}</translation>
    </message>
    <message>
        <source>Wait a moment: the attached files are still being read.</source>
        <translation>请稍候：附件仍在读取中。</translation>
    </message>
    <message>
        <source>The message is too long for the model&apos;s context. Remove a file, or keep only the first part of it.</source>
        <translation>消息超出了模型的上下文长度。请移除一个文件，或只保留它的前一部分。</translation>
    </message>
    <message>
        <source>Waiting for the server&apos;s request…</source>
        <translation>正在等待服务器请求完成…</translation>
    </message>
    <message>
        <source>{tps:.1f} tok/s · {ttft:.2f} s to first token · {tokens} tokens</source>
        <translation>{tps:.1f} token/s · 首 token 延迟 {ttft:.2f} 秒 · {tokens} 个 token</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>The model stopped while thinking.</source>
        <translation>模型在思考中途停止了。</translation>
    </message>
    <message>
        <source>The answer reached the length limit.</source>
        <translation>回答已达到长度上限。</translation>
    </message>
    <message>
        <source>Interrupted: the app closed while this answer was being written.</source>
        <translation>已中断：生成此回答时应用被关闭。</translation>
    </message>
</context>
<context>
    <name>ChatTemplate</name>
    <message>
        <source>a JSON text this long is not allowed</source>
        <translation>不允许这么长的 JSON 文本</translation>
    </message>
    <message>
        <source>The model&apos;s chat template refused this conversation: {message}</source>
        <translation>模型的对话模板拒绝了此对话：{message}</translation>
    </message>
    <message>
        <source>repeating a value this many times is not allowed</source>
        <translation>不允许将一个值重复这么多次</translation>
    </message>
    <message>
        <source>an exponent this large is not allowed</source>
        <translation>不允许使用这么大的指数</translation>
    </message>
    <message>
        <source>The model&apos;s chat template tries to reach &apos;{what}&apos;, which a chat template never needs. It was not run; this file may have been tampered with.</source>
        <translation>模型的对话模板试图访问 &apos;{what}&apos;，而对话模板从不需要它。模板未被运行；此文件可能已被篡改。</translation>
    </message>
    <message>
        <source>|attr() with a computed name</source>
        <translation>|attr()（使用计算得出的名称）</translation>
    </message>
    <message>
        <source>The model&apos;s chat template has a syntax error on line {line}: {error}. The template inside the file cannot be used.</source>
        <translation>模型的对话模板第 {line} 行有语法错误：{error}。无法使用文件中的模板。</translation>
    </message>
    <message>
        <source>The model&apos;s chat template could not be compiled: {error}</source>
        <translation>无法编译模型的对话模板：{error}</translation>
    </message>
    <message>
        <source>The model&apos;s chat template tried to do something a chat template never needs ({error}). It was stopped; this file may have been tampered with.</source>
        <translation>模型的对话模板试图执行对话模板从不需要的操作（{error}）。该操作已被阻止；此文件可能已被篡改。</translation>
    </message>
    <message>
        <source>The model&apos;s chat template failed while building the prompt: {error}.</source>
        <translation>模型的对话模板在构建提示词时出错：{error}。</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Message DeepSeek</source>
        <translation>给 DeepSeek 发送消息</translation>
    </message>
    <message>
        <source>Deep thinking</source>
        <translation>深度思考</translation>
    </message>
    <message>
        <source>Let the model reason step by step before answering</source>
        <translation>让模型在回答前逐步思考</translation>
    </message>
    <message>
        <source>How hard the model thinks with Deep thinking on. Max effort reasons longest; it works best with a long context.</source>
        <translation>开启深度思考时模型思考的强度。最高强度思考时间最长，在长上下文下效果最好。</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Normal effort</source>
        <translation>标准强度</translation>
    </message>
    <message>
        <source>High effort</source>
        <translation>高强度</translation>
    </message>
    <message>
        <source>Max effort</source>
        <translation>最高强度</translation>
    </message>
    <message>
        <source>Attach</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>Attach text, Markdown, code, PDF or .docx files (or drop them here, or paste them)</source>
        <translation>添加文本、Markdown、代码、PDF 或 .docx 文件（也可拖放到这里或直接粘贴）</translation>
    </message>
    <message>
        <source>≈{0:,} tokens</source>
        <translation>约 {0:,} 个 token</translation>
    </message>
    <message>
        <source>The message&apos;s size in tokens</source>
        <translation>消息的大小（token 数）</translation>
    </message>
    <message>
        <source>≈{0:,} / {1:,} tokens</source>
        <translation>约 {0:,} / {1:,} 个 token</translation>
    </message>
    <message>
        <source>The message&apos;s size against the model&apos;s context; up to {0:,} tokens leave room for the answer</source>
        <translation>消息大小与模型上下文长度的对比；不超过 {0:,} 个 token 时可为回答留出空间</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <source>Documents (*.txt *.md *.pdf *.docx *.py *.js *.ts *.json *.csv *.html *.c *.cpp *.h *.java *.go *.rs *.sh *.yaml *.toml *.xml *.log);;All files (*)</source>
        <translation>文档 (*.txt *.md *.pdf *.docx *.py *.js *.ts *.json *.csv *.html *.c *.cpp *.h *.java *.go *.rs *.sh *.yaml *.toml *.xml *.log);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>Connections</name>
    <message>
        <source>{name}: name the model that answers with Deep thinking on, or choose another way to switch thinking.</source>
        <translation>{name}：请填写开启深度思考时回答的模型，或选择其他切换深度思考的方式。</translation>
    </message>
    <message>
        <source>A connection needs a id.</source>
        <translation>连接需要 ID。</translation>
    </message>
    <message>
        <source>A connection needs a name.</source>
        <translation>连接需要名称。</translation>
    </message>
    <message>
        <source>A connection needs a base url.</source>
        <translation>连接需要基础 URL。</translation>
    </message>
    <message>
        <source>A connection needs a model.</source>
        <translation>连接需要模型。</translation>
    </message>
    <message>
        <source>{name}: connect timeout must be a positive number of seconds, got {value!r}.</source>
        <translation>{name}：连接超时必须是正数（秒），实际为 {value!r}。</translation>
    </message>
    <message>
        <source>{name}: read timeout must be a positive number of seconds, got {value!r}.</source>
        <translation>{name}：读取超时必须是正数（秒），实际为 {value!r}。</translation>
    </message>
    <message>
        <source>not an object</source>
        <translation>不是对象</translation>
    </message>
    <message>
        <source>Could not save the server connections to {path} ({error}). Check that the folder is writable and the disk is not full.</source>
        <translation>无法将服务器连接保存到 {path}（{error}）。请检查该文件夹是否可写、磁盘是否已满。</translation>
    </message>
</context>
<context>
    <name>ConnectionsPage</name>
    <message>
        <source>DeepSeek API</source>
        <translation>DeepSeek API</translation>
    </message>
    <message>
        <source>vLLM or SGLang</source>
        <translation>vLLM 或 SGLang</translation>
    </message>
    <message>
        <source>llama.cpp server</source>
        <translation>llama.cpp 服务器</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>List the server&apos;s models and time a first token</source>
        <translation>列出服务器上的模型，并测量首 token 延迟</translation>
    </message>
    <message>
        <source>http://127.0.0.1:8000/v1</source>
        <translation>http://127.0.0.1:8000/v1</translation>
    </message>
    <message>
        <source>sk-… (empty if the server needs none)</source>
        <translation>sk-…（服务器不需要时留空）</translation>
    </message>
    <message>
        <source>Template switch (DeepSeek-V3.1 and later)</source>
        <translation>对话模板开关（DeepSeek-V3.1 及更高版本）</translation>
    </message>
    <message>
        <source>DeepSeek API thinking switch</source>
        <translation>DeepSeek API 思考开关</translation>
    </message>
    <message>
        <source>A second model for thinking</source>
        <translation>由另一个模型负责思考</translation>
    </message>
    <message>
        <source>Always (DeepSeek-R1)</source>
        <translation>始终思考（DeepSeek-R1）</translation>
    </message>
    <message>
        <source>Never (DeepSeek-V3)</source>
        <translation>从不思考（DeepSeek-V3）</translation>
    </message>
    <message>
        <source>the thinking model&apos;s name</source>
        <translation>思考模型的名称</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation>基础 URL</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Deep thinking</source>
        <translation>深度思考</translation>
    </message>
    <message>
        <source>Thinking model</source>
        <translation>思考模型</translation>
    </message>
    <message>
        <source>Removed connection</source>
        <translation>已移除的连接</translation>
    </message>
    <message>
        <source>{name}: {result}</source>
        <translation>{name}：{result}</translation>
    </message>
    <message>
        <source>No servers yet. Add one to chat with a DeepSeek served by vLLM, SGLang, llama.cpp&apos;s server or DeepSeek&apos;s API.</source>
        <translation>还没有服务器。添加一个，即可与 vLLM、SGLang、llama.cpp 服务器或 DeepSeek API 提供的 DeepSeek 模型对话。</translation>
    </message>
    <message>
        <source>Testing {0}…</source>
        <translation>正在测试 {0}…</translation>
    </message>
    <message>
        <source>{url} · key {key}</source>
        <translation>{url} · 密钥 {key}</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Export as Markdown…</source>
        <translation>导出为 Markdown…</translation>
    </message>
    <message>
        <source>Export as JSON…</source>
        <translation>导出为 JSON…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Rename conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>Delete “{0}”? This cannot be undone.</source>
        <translation>要删除“{0}”吗？此操作无法撤销。</translation>
    </message>
</context>
<context>
    <name>ConversationSettingsDialog</name>
    <message>
        <source>Conversation settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>The default from Settings</source>
        <translation>使用设置中的默认提示词</translation>
    </message>
    <message>
        <source>This conversation&apos;s own:</source>
        <translation>此对话专用：</translation>
    </message>
    <message>
        <source>(none: set one in Settings → Chat)</source>
        <translation>（无：可在“设置 → 对话”中设置）</translation>
    </message>
    <message>
        <source>Instructions for the model, e.g. &quot;Answer in French.&quot; Leave empty for none.</source>
        <translation>给模型的指示，例如“用法语回答。”留空表示不使用。</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <source>An unexpected problem stopped this. The details are in the log.</source>
        <translation>一个意外问题中断了此操作。详情请查看日志。</translation>
    </message>
</context>
<context>
    <name>CrashReporter</name>
    <message>
        <source>DeepSeek Local hit an unexpected problem</source>
        <translation>DeepSeek Local 遇到了意外问题</translation>
    </message>
    <message>
        <source>Something went wrong that the app did not expect ({0}). Your conversations are saved. The details are in the log:
{1}</source>
        <translation>发生了应用未预料到的错误（{0}）。你的对话已保存。详情请查看日志：
{1}</translation>
    </message>
</context>
<context>
    <name>DownloadController</name>
    <message>
        <source>DeepSeek-R1 and distills</source>
        <translation>DeepSeek-R1 及蒸馏模型</translation>
    </message>
    <message>
        <source>R1 distills (smaller)</source>
        <translation>R1 蒸馏模型（较小）</translation>
    </message>
    <message>
        <source>DeepSeek-V3.1 (hybrid)</source>
        <translation>DeepSeek-V3.1（混合思考）</translation>
    </message>
    <message>
        <source>DeepSeek-V3.2 (sparse attention)</source>
        <translation>DeepSeek-V3.2（稀疏注意力）</translation>
    </message>
    <message>
        <source>DeepSeek-V4 (Flash, Pro)</source>
        <translation>DeepSeek-V4（Flash、Pro）</translation>
    </message>
    <message>
        <source>Reasons (R1)</source>
        <translation>始终思考（R1）</translation>
    </message>
    <message>
        <source>Direct (V3)</source>
        <translation>直接回答（V3）</translation>
    </message>
    <message>
        <source>Hybrid</source>
        <translation>混合思考</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Starting</source>
        <translation>正在准备</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>正在下载</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>正在校验</translation>
    </message>
    <message>
        <source>Reconnecting</source>
        <translation>正在重新连接</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Cancelling</source>
        <translation>正在取消</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <source>{problem} Enter a Hugging Face read token to see these models:</source>
        <translation>{problem} 请输入 Hugging Face 只读访问令牌以查看这些模型：</translation>
    </message>
    <message>
        <source>{problem} Sizes and verdicts below are approximate; downloads can start once the hub answers.</source>
        <translation>{problem} 下面的大小和评估均为估计值；Hub 恢复响应后才能开始下载。</translation>
    </message>
    <message>
        <source>Fit unknown</source>
        <translation>适配情况未知</translation>
    </message>
    <message>
        <source>~{size}</source>
        <translation>约 {size}</translation>
    </message>
    <message>
        <source>{count} files</source>
        <translation>{count} 个文件</translation>
    </message>
    <message>
        <source>1 file</source>
        <translation>1 个文件</translation>
    </message>
    <message>
        <source>no files on the hub</source>
        <translation>Hugging Face 上没有文件</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>{size} verified · ready in the model picker</source>
        <translation>{size} 已校验 · 可在模型选择器中使用</translation>
    </message>
    <message>
        <source>waits for the current download</source>
        <translation>等待当前下载完成</translation>
    </message>
    <message>
        <source>Part {index} of {count} · {done} of {total}</source>
        <translation>第 {index} 卷（共 {count} 卷）· {done} / {total}</translation>
    </message>
    <message>
        <source>Download again</source>
        <translation>重新下载</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>less than a minute left</source>
        <translation>剩余不到 1 分钟</translation>
    </message>
    <message>
        <source>about {minutes} min left</source>
        <translation>剩余约 {minutes} 分钟</translation>
    </message>
    <message>
        <source>about {hours} h {minutes} min left</source>
        <translation>剩余约 {hours} 小时 {minutes} 分钟</translation>
    </message>
    <message>
        <source>about {hours} h left</source>
        <translation>剩余约 {hours} 小时</translation>
    </message>
</context>
<context>
    <name>DownloadDialog</name>
    <message>
        <source>Download models</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <source>Download a model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <source>Sizes are read live from Hugging Face. Each verdict is planned for this machine&apos;s GPU and RAM.</source>
        <translation>大小实时读取自 Hugging Face。每项评估都按本机的 GPU 和内存规划。</translation>
    </message>
    <message>
        <source>All models</source>
        <translation>全部模型</translation>
    </message>
    <message>
        <source>Search models and quants</source>
        <translation>搜索模型和量化类型</translation>
    </message>
    <message>
        <source>hf_…</source>
        <translation>hf_…</translation>
    </message>
    <message>
        <source>Save token and look again</source>
        <translation>保存令牌并重新查询</translation>
    </message>
    <message>
        <source>Looking up sizes…</source>
        <translation>正在查询大小…</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>No model matches the filter.</source>
        <translation>没有符合筛选条件的模型。</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>下载任务</translation>
    </message>
    <message>
        <source>Downloads keep running when you close this window, and resume the next time the app starts.</source>
        <translation>关闭此窗口后下载仍会继续；下次启动应用时，未完成的下载会自动恢复。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Look again</source>
        <translation>重新查询</translation>
    </message>
    <message>
        <source>Select a model to see its details.</source>
        <translation>选择一个模型以查看详情。</translation>
    </message>
    <message>
        <source>Licence: {0}. {1}</source>
        <translation>许可证：{0}。{1}</translation>
    </message>
    <message>
        <source>Unavailable: {0}</source>
        <translation>不可用：{0}</translation>
    </message>
    <message>
        <source>Loaded</source>
        <translation>已加载</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <source>Download {0}</source>
        <translation>下载 {0}</translation>
    </message>
</context>
<context>
    <name>DownloadJob</name>
    <message>
        <source>{name} is already being downloaded by another DeepSeek Local process. Wait for it to finish (or close it), then try again.</source>
        <translation>另一个 DeepSeek Local 进程正在下载 {name}。请等待其完成（或将其关闭）后重试。</translation>
    </message>
    <message>
        <source>{name} from {repo} has {got} bytes, the hub announced {size}; the file was removed. Download it again.</source>
        <translation>来自 {repo} 的 {name} 有 {got} 字节，而 Hub 声明的大小为 {size} 字节；该文件已删除。请重新下载。</translation>
    </message>
    <message>
        <source>Checksum mismatch for {name} (expected {expected}, got {got}); the damaged file was removed. Download it again.</source>
        <translation>{name} 的校验和不匹配（应为 {expected}，实际为 {got}）；已删除损坏的文件。请重新下载。</translation>
    </message>
    <message>
        <source>the server closed the connection early</source>
        <translation>服务器提前关闭了连接</translation>
    </message>
    <message>
        <source>Downloading {name} from {repo} failed {failures} times in a row ({reason}). {done} of {size} bytes are kept: check your connection and run the download again to resume.</source>
        <translation>从 {repo} 下载 {name} 连续失败 {failures} 次（{reason}）。已保留 {done} / {size} 字节：请检查网络连接，然后重新下载以继续。</translation>
    </message>
    <message>
        <source>The hub sent more than the announced {size} bytes of {name} from {repo}. Download it again later.</source>
        <translation>Hub 发送的 {repo} 中 {name} 的数据超过了声明的 {size} 字节。请稍后重新下载。</translation>
    </message>
    <message>
        <source>The disk is full: writing {name} to {folder} failed after {done} of {size} bytes. The partial file was kept; free up at least {missing} and run the download again to resume.</source>
        <translation>磁盘已满：将 {name} 写入 {folder} 时在 {done} / {size} 字节处失败。已保留部分下载的文件；请至少释放 {missing} 空间，然后重新下载以继续。</translation>
    </message>
</context>
<context>
    <name>DownloadManager</name>
    <message>
        <source>Pausing…</source>
        <translation>正在暂停…</translation>
    </message>
    <message>
        <source>Reading the file list…</source>
        <translation>正在读取文件列表…</translation>
    </message>
    <message>
        <source>Checking the {size} already on disk</source>
        <translation>正在校验磁盘上已有的 {size}</translation>
    </message>
    <message>
        <source>{reason}; retrying in {delay:.0f} s (attempt {attempt} of {attempts})</source>
        <translation>{reason}；{delay:.0f} 秒后重试（第 {attempt} 次，共 {attempts} 次）</translation>
    </message>
    <message>
        <source>{reason}; retrying (attempt {attempt} of {attempts})</source>
        <translation>{reason}；正在重试（第 {attempt} 次，共 {attempts} 次）</translation>
    </message>
</context>
<context>
    <name>DownloadWorker</name>
    <message>
        <source>Enter a Hugging Face read token:</source>
        <translation>请输入 Hugging Face 只读访问令牌：</translation>
    </message>
    <message>
        <source>Free {amount} on {volume} and retry.</source>
        <translation>请在 {volume} 上释放 {amount} 空间，然后重试。</translation>
    </message>
</context>
<context>
    <name>Downloads</name>
    <message>
        <source>{repo!r} is not a Hugging Face repo id. Use owner/name, e.g. unsloth/DeepSeek-R1-GGUF.</source>
        <translation>{repo!r} 不是有效的 Hugging Face 仓库 ID。请使用“所有者/名称”格式，例如 unsloth/DeepSeek-R1-GGUF。</translation>
    </message>
    <message>
        <source>Choose either a quant or file paths to download, not both.</source>
        <translation>请选择要下载的量化或文件路径，二者不能同时指定。</translation>
    </message>
    <message>
        <source>{path} is not a file of {repo} at revision {commit}. Check the path (folders included) on {page}.</source>
        <translation>{path} 不是 {repo} 在版本 {commit} 中的文件。请在 {page} 上核对路径（包括文件夹）。</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>{repo} holds {count} models ({names}): choose a quant or the files to download.</source>
        <translation>{repo} 包含 {count} 个模型（{names}）：请选择要下载的量化或文件。</translation>
    </message>
    <message>
        <source>{name} is {gb:.1f} GB: the hub serves files over 50 GB only through its xet protocol, which this app does not use. Choose a quant split into smaller parts.</source>
        <translation>{name} 大小为 {gb:.1f} GB：Hub 仅通过 xet 协议提供超过 50 GB 的文件，而本应用不使用该协议。请选择拆分为较小分卷的量化。</translation>
    </message>
    <message>
        <source>Not enough disk space for {what}: the download needs {needed} more, but {where} has only {free} free. Free up {missing} or download to another folder.</source>
        <translation>磁盘空间不足，无法下载 {what}：还需要 {needed}，但 {where} 的可用磁盘空间只有 {free}。请释放 {missing} 空间，或下载到其他文件夹。</translation>
    </message>
</context>
<context>
    <name>Engine</name>
    <message>
        <source>This conversation is {tokens:,} tokens long, more than the {n_ctx:,}-token context the model was loaded with. Start a new conversation, or raise the context length in Settings.</source>
        <translation>此对话长度为 {tokens:,} 个 token，超出了模型加载时设定的 {n_ctx:,} token 上下文长度。请开始新对话，或在设置中提高上下文长度。</translation>
    </message>
    <message>
        <source>llama.cpp failed while generating (code {status}).</source>
        <translation>llama.cpp 生成时出错（代码 {status}）。</translation>
    </message>
    <message>
        <source>No model is loaded. Choose a model first.</source>
        <translation>尚未加载模型。请先选择一个模型。</translation>
    </message>
    <message>
        <source>llama.cpp could not evaluate the prompt (code {status}). If this keeps happening, lower the context length or reload the model.</source>
        <translation>llama.cpp 无法处理提示词（代码 {status}）。如果此问题反复出现，请降低上下文长度或重新加载模型。</translation>
    </message>
    <message>
        <source>Not enough memory to load {model} with this placement ({plan}): {reason}. Keep more layers&apos; experts in RAM in Settings, or lower the context length.</source>
        <translation>内存不足，无法按此分配方案加载 {model}（{plan}）：{reason}。请在设置中将更多层的专家放到内存，或降低上下文长度。</translation>
    </message>
    <message>
        <source>llama.cpp could not load {name}: {reason}</source>
        <translation>llama.cpp 无法加载 {name}：{reason}</translation>
    </message>
</context>
<context>
    <name>Family</name>
    <message>
        <source>Unknown {arch} model</source>
        <translation>未知 {arch} 模型</translation>
    </message>
    <message>
        <source>Unknown model</source>
        <translation>未知模型</translation>
    </message>
</context>
<context>
    <name>Fit</name>
    <message>
        <source>{verdict} (approximate)</source>
        <translation>{verdict}（估计）</translation>
    </message>
    <message>
        <source>~{tps:.0f} tok/s</source>
        <translation>约 {tps:.0f} token/s</translation>
    </message>
    <message>
        <source>~{tps:.1f} tok/s</source>
        <translation>约 {tps:.1f} token/s</translation>
    </message>
    <message>
        <source>Runs on your GPU</source>
        <translation>可完全在 GPU 上运行</translation>
    </message>
    <message>
        <source>GPU + CPU ({speed})</source>
        <translation>GPU + CPU（{speed}）</translation>
    </message>
    <message>
        <source>GPU + experts in RAM ({speed})</source>
        <translation>GPU + 专家在内存（{speed}）</translation>
    </message>
    <message>
        <source>CPU only ({speed})</source>
        <translation>仅 CPU（{speed}）</translation>
    </message>
    <message>
        <source>Too large for this machine (needs {size} RAM+VRAM)</source>
        <translation>超出本机能力（需要 {size} 内存+显存）</translation>
    </message>
</context>
<context>
    <name>GenerationWorker</name>
    <message>
        <source>The server connection for this conversation was removed. Choose a model or a connection above, then try again.</source>
        <translation>此对话使用的服务器连接已被移除。请在上方选择一个模型或连接，然后重试。</translation>
    </message>
</context>
<context>
    <name>GgufFile</name>
    <message>
        <source>{name} is part of a model split into {count} files, but its name does not follow the NAME-00001-of-0000N.gguf pattern, so the other parts cannot be found. Restore the original file names.</source>
        <translation>{name} 属于一个分为 {count} 个文件的模型，但其文件名不符合 NAME-00001-of-0000N.gguf 格式，因此找不到其他分卷文件。请恢复原始文件名。</translation>
    </message>
    <message>
        <source>{name} does not say which model architecture it holds (general.architecture is missing), so llama.cpp cannot load it.</source>
        <translation>{name} 未注明其模型架构（缺少 general.architecture），因此 llama.cpp 无法加载它。</translation>
    </message>
    <message>
        <source>{name} is damaged: its architecture name is garbled. Download it again.</source>
        <translation>{name} 已损坏：其架构名称为乱码。请重新下载。</translation>
    </message>
    <message>
        <source>{name} is a vision projector (mmproj), not a language model. Choose the model&apos;s main GGUF file instead.</source>
        <translation>{name} 是视觉投影器（mmproj），不是语言模型。请改为选择该模型的主 GGUF 文件。</translation>
    </message>
    <message>
        <source>{name} holds {model} (architecture &apos;{arch}&apos;), a DeepSeek model newer than the llama.cpp inside this app ({runtime}) can run. It needs a newer llama.cpp: update the app once a version with {model} support is out, or choose a DeepSeek-V4-Flash file meanwhile.</source>
        <translation>{name} 包含 {model}（架构“{arch}”），这个 DeepSeek 模型比本应用内置的 llama.cpp（{runtime}）所能运行的更新。它需要更新的 llama.cpp：待支持 {model} 的版本发布后请更新本应用，在此之前可以选择 DeepSeek-V4-Flash 文件。</translation>
    </message>
    <message>
        <source>its bundled version</source>
        <translation>其内置版本</translation>
    </message>
    <message>
        <source>{name} holds a &apos;{arch}&apos; model, an architecture this version of llama.cpp cannot run. Update the app, or choose a DeepSeek GGUF.</source>
        <translation>{name} 包含 &apos;{arch}&apos; 架构的模型，当前版本的 llama.cpp 无法运行该架构。请更新应用，或选择 DeepSeek GGUF 模型。</translation>
    </message>
    <message>
        <source>{name} cannot be run: {problem}. llama.cpp would crash on it, so it was not loaded. The file was converted wrongly or edited: download another conversion.</source>
        <translation>{name} 无法运行：{problem}。llama.cpp 加载它会崩溃，因此没有加载。该文件转换有误或被修改过：请下载其他转换版本。</translation>
    </message>
    <message>
        <source>its lightning indexer&apos;s key length is {value}, not a power of two of at least 64</source>
        <translation>其闪电索引器的键长度为 {value}，不是不小于 64 的 2 的幂</translation>
    </message>
    <message>
        <source>its rotary size {rot} exceeds the indexer&apos;s key length {value}</source>
        <translation>其旋转位置编码维度 {rot} 超过了索引器的键长度 {value}</translation>
    </message>
    <message>
        <source>it has {found} attention compress ratios for {layers} layers</source>
        <translation>它有 {layers} 层，却只有 {found} 个注意力压缩比</translation>
    </message>
    <message>
        <source>its attention compress ratios {ratios} are not all 0, 4 or 128</source>
        <translation>其注意力压缩比 {ratios} 并非全是 0、4 或 128</translation>
    </message>
    <message>
        <source>its layers need both compress ratios 4 and 128, but it has only {ratios}</source>
        <translation>其各层需要同时包含压缩比 4 和 128，但只有 {ratios}</translation>
    </message>
    <message>
        <source>it has {value} hyper-connections, not 4</source>
        <translation>它有 {value} 路超连接，而不是 4 路</translation>
    </message>
    <message>
        <source>its lightning indexer&apos;s key length is {value}, not a multiple of 64</source>
        <translation>其闪电索引器的键长度为 {value}，不是 64 的倍数</translation>
    </message>
    <message>
        <source>its attention head sizes (key {key}, value {value}, rotary {rot}) do not fit together</source>
        <translation>其注意力头尺寸（键 {key}、值 {value}、旋转 {rot}）互不匹配</translation>
    </message>
    <message>
        <source>its {heads} attention heads cannot be split into {groups} output groups</source>
        <translation>其 {heads} 个注意力头无法分成 {groups} 个输出组</translation>
    </message>
    <message>
        <source>{name} is a folder, not a model file.</source>
        <translation>{name} 是文件夹，不是模型文件。</translation>
    </message>
    <message>
        <source>{name} does not exist (looked in {folder}).</source>
        <translation>{name} 不存在（已在 {folder} 中查找）。</translation>
    </message>
    <message>
        <source>{name} cannot be read: permission denied.</source>
        <translation>无法读取 {name}：权限不足。</translation>
    </message>
    <message>
        <source>{name} is truncated: it ends inside its header (while reading {what} at byte {pos:,} of {size:,}). Download it again.</source>
        <translation>{name} 不完整：文件在文件头中途就结束了（读取 {what} 时，位于第 {pos:,} 字节，共 {size:,} 字节）。请重新下载。</translation>
    </message>
    <message>
        <source>unknown metadata type {type} in {what}</source>
        <translation>{what} 中有未知的元数据类型 {type}</translation>
    </message>
    <message>
        <source>nested arrays in {what}</source>
        <translation>{what} 中有嵌套数组</translation>
    </message>
    <message>
        <source>unknown array element type {type} in {what}</source>
        <translation>{what} 中有未知的数组元素类型 {type}</translation>
    </message>
    <message>
        <source>{name} is damaged: {detail} (byte {pos:,}). Download it again.</source>
        <translation>{name} 已损坏：{detail}（第 {pos:,} 字节）。请重新下载。</translation>
    </message>
    <message>
        <source>a metadata value</source>
        <translation>元数据值</translation>
    </message>
    <message>
        <source>the version</source>
        <translation>版本号</translation>
    </message>
    <message>
        <source>{name} uses GGUF version 1, which llama.cpp no longer reads. Download a newer conversion of this model.</source>
        <translation>{name} 使用 GGUF 版本 1，llama.cpp 已不再支持读取该版本。请下载此模型较新的转换版本。</translation>
    </message>
    <message>
        <source>unknown GGUF version {version}</source>
        <translation>未知的 GGUF 版本 {version}</translation>
    </message>
    <message>
        <source>the tensor count</source>
        <translation>张量数量</translation>
    </message>
    <message>
        <source>the metadata count</source>
        <translation>元数据条目数</translation>
    </message>
    <message>
        <source>impossible counts ({n_kv:,} metadata entries, {n_tensors:,} tensors)</source>
        <translation>数量不合理（{n_kv:,} 个元数据条目，{n_tensors:,} 个张量）</translation>
    </message>
    <message>
        <source>metadata key #{index}</source>
        <translation>元数据键 #{index}</translation>
    </message>
    <message>
        <source>metadata key #{index} is garbled</source>
        <translation>元数据键 #{index} 为乱码</translation>
    </message>
    <message>
        <source>the type of {name}</source>
        <translation>{name} 的类型</translation>
    </message>
    <message>
        <source>invalid general.alignment {alignment!r}</source>
        <translation>无效的 general.alignment {alignment!r}</translation>
    </message>
    <message>
        <source>{name} is empty (0 bytes): the download did not finish. Download it again.</source>
        <translation>{name} 为空（0 字节）：下载未完成。请重新下载。</translation>
    </message>
    <message>
        <source>{name} is a Git LFS pointer, not the model itself. Download the real file (e.g. from the model page&apos;s download link).</source>
        <translation>{name} 是 Git LFS 指针文件，而不是模型本身。请下载真正的文件（例如通过模型页面上的下载链接）。</translation>
    </message>
    <message>
        <source>{name} is a web page or an error message saved under a model&apos;s name, not a GGUF file. Download the model again.</source>
        <translation>{name} 是以模型文件名保存的网页或错误信息，不是 GGUF 文件。请重新下载模型。</translation>
    </message>
    <message>
        <source>{name} is a safetensors checkpoint, not a GGUF file. Download the GGUF version of this model.</source>
        <translation>{name} 是 safetensors 检查点，不是 GGUF 文件。请下载此模型的 GGUF 版本。</translation>
    </message>
    <message>
        <source>{name} is not a GGUF file (it does not start with &apos;GGUF&apos;). Choose a .gguf model file.</source>
        <translation>{name} 不是 GGUF 文件（文件开头不是 &apos;GGUF&apos;）。请选择 .gguf 模型文件。</translation>
    </message>
    <message>
        <source>{name} is a big-endian GGUF, made for another kind of computer. Download the standard (little-endian) file.</source>
        <translation>{name} 是大端序 GGUF，适用于其他类型的计算机。请下载标准（小端序）文件。</translation>
    </message>
    <message>
        <source>the name of tensor #{index}</source>
        <translation>张量 #{index} 的名称</translation>
    </message>
    <message>
        <source>tensor #{index} has a garbled name</source>
        <translation>张量 #{index} 的名称为乱码</translation>
    </message>
    <message>
        <source>the shape of {name}</source>
        <translation>{name} 的形状</translation>
    </message>
    <message>
        <source>tensor {name} claims {n_dims} dimensions</source>
        <translation>张量 {name} 声称有 {n_dims} 个维度</translation>
    </message>
    <message>
        <source>tensor {name} has an impossible shape {shape}</source>
        <translation>张量 {name} 的形状 {shape} 不合理</translation>
    </message>
    <message>
        <source>the offset of {name}</source>
        <translation>{name} 的偏移量</translation>
    </message>
    <message>
        <source>tensor {name} has {columns} columns, not a multiple of {quant}&apos;s block of {block}</source>
        <translation>张量 {name} 有 {columns} 列，不是 {quant} 块大小 {block} 的整数倍</translation>
    </message>
    <message>
        <source>tensor {name} starts at a misaligned offset {offset}</source>
        <translation>张量 {name} 的起始偏移量 {offset} 未对齐</translation>
    </message>
    <message>
        <source>{name} is truncated: it is {have} but its tensors need {needed} ({missing} missing). The download did not finish: download it again.</source>
        <translation>{name} 不完整：文件大小为 {have}，但其张量需要 {needed}（缺少 {missing}）。下载未完成：请重新下载。</translation>
    </message>
    <message>
        <source>{n:,} bytes</source>
        <translation>{n:,} 字节</translation>
    </message>
    <message>
        <source>{name} is piece {index} of {count} of a file cut into raw byte pieces, which llama.cpp cannot load. Join the pieces into one file first: `cat {parts} &gt; {whole}` (Windows: `copy /b` with the pieces joined by +), then open {whole}.</source>
        <translation>{name} 是按原始字节切分的文件的第 {index} 块（共 {count} 块），llama.cpp 无法加载。请先将各块合并为一个文件：`cat {parts} &gt; {whole}`（Windows：使用 `copy /b`，各块之间用 + 连接），然后打开 {whole}。</translation>
    </message>
    <message>
        <source>This model is split into {count} files and part {index} of {count} is missing: {listed}. All parts must be in the same folder ({folder}).</source>
        <translation>此模型分为 {count} 个文件，缺少第 {index} 卷（共 {count} 卷）：{listed}。所有分卷文件必须位于同一文件夹（{folder}）中。</translation>
    </message>
    <message>
        <source>This model is split into {count} files and {missing} of its {count} parts are missing: {listed}. All parts must be in the same folder ({folder}).</source>
        <translation>此模型分为 {count} 个文件，{count} 个分卷文件中缺少 {missing} 个：{listed}。所有分卷文件必须位于同一文件夹（{folder}）中。</translation>
    </message>
    <message>
        <source>{name} does not belong with the other parts: it says it is part {index} of {count}. The parts come from different downloads; download the set again.</source>
        <translation>{name} 与其他分卷文件不属于同一组：它声明自己是第 {index} 卷（共 {count} 卷）。这些分卷来自不同的下载；请重新下载整组分卷。</translation>
    </message>
    <message>
        <source>The parts of {name} hold {found} tensors but the set should have {expected}. A part is damaged or from another download; download the set again.</source>
        <translation>{name} 的各分卷共包含 {found} 个张量，但整组应有 {expected} 个。某个分卷已损坏或来自其他下载；请重新下载整组分卷。</translation>
    </message>
</context>
<context>
    <name>Hub</name>
    <message>
        <source>no data arrived for {seconds:g} s (the connection stalled)</source>
        <translation>{seconds:g} 秒内未收到数据（连接停滞）</translation>
    </message>
    <message>
        <source>the connection dropped</source>
        <translation>连接已断开</translation>
    </message>
    <message>
        <source>Cannot reach {endpoint} to read {repo}: {reason}. Check your internet connection (and HF_ENDPOINT), then try again.</source>
        <translation>无法连接 {endpoint} 读取 {repo}：{reason}。请检查网络连接（以及 HF_ENDPOINT）后重试。</translation>
    </message>
    <message>
        <source>cannot connect to {host}: {error}</source>
        <translation>无法连接到 {host}：{error}</translation>
    </message>
    <message>
        <source>the server answered HTTP {status}</source>
        <translation>服务器返回 HTTP {status}</translation>
    </message>
    <message>
        <source>Too many redirects while downloading {path} from {repo}. Try again later.</source>
        <translation>从 {repo} 下载 {path} 时重定向次数过多。请稍后重试。</translation>
    </message>
    <message>
        <source>The hub answered HTTP {status} for {what}. Try again later.</source>
        <translation>Hub 对 {what} 返回 HTTP {status}。请稍后重试。</translation>
    </message>
    <message>
        <source>{repo} is gated and your Hugging Face token has no access to it (HTTP {status}). Accept the model&apos;s terms on {page} with the account the token belongs to (approval can take a while), then try again.</source>
        <translation>{repo} 是受限仓库（需申请访问），你的 Hugging Face 访问令牌没有访问权限（HTTP {status}）。请用该令牌所属的账号在 {page} 上接受模型条款（审批可能需要一段时间），然后重试。</translation>
    </message>
    <message>
        <source>The hub refused your Hugging Face token for {repo} (HTTP 401): it is invalid, expired or cannot read this repo. Create a read token at {tokens}, set HF_TOKEN to it, and try again.</source>
        <translation>Hub 拒绝了你用于 {repo} 的 Hugging Face 访问令牌（HTTP 401）：令牌无效、已过期或无权读取此仓库。请在 {tokens} 创建一个读取权限的令牌，将 HF_TOKEN 设为该令牌，然后重试。</translation>
    </message>
    <message>
        <source>{repo} is gated or private: the hub answered HTTP 401 because no token was sent. Accept its terms on {page} while signed in, create a read token at {tokens}, set HF_TOKEN to it, and try again.</source>
        <translation>{repo} 是受限仓库（需申请访问）或私有仓库：由于未发送访问令牌，Hub 返回了 HTTP 401。请登录后在 {page} 上接受其条款，在 {tokens} 创建一个读取权限的令牌，将 HF_TOKEN 设为该令牌，然后重试。</translation>
    </message>
    <message>
        <source>Model repo {repo} was not found on {endpoint}. Check the name (owner/name); if it is private, set HF_TOKEN to a token that can read it.</source>
        <translation>在 {endpoint} 上找不到模型仓库 {repo}。请检查名称（所有者/名称）；如果是私有仓库，请将 HF_TOKEN 设为有读取权限的访问令牌。</translation>
    </message>
    <message>
        <source>Revision {revision} of {repo} was not found on the hub. Use a branch, tag or commit that exists (the default is main).</source>
        <translation>在 Hub 上找不到 {repo} 的版本 {revision}。请使用存在的分支、标签或提交（默认为 main）。</translation>
    </message>
    <message>
        <source>{path} was not found in {repo} at revision {commit} (HTTP 404). It may have been renamed or removed upstream: see {page} for the current files.</source>
        <translation>在 {repo} 的版本 {commit} 中找不到 {path}（HTTP 404）。它可能已在上游被重命名或删除：请在 {page} 查看当前文件。</translation>
    </message>
    <message>
        <source>A file was not found in {repo} at revision {commit} (HTTP 404). It may have been renamed or removed upstream: see {page} for the current files.</source>
        <translation>在 {repo} 的版本 {commit} 中找不到某个文件（HTTP 404）。它可能已在上游被重命名或删除：请在 {page} 查看当前文件。</translation>
    </message>
    <message>
        <source>Cannot reach the Hugging Face Hub for {repo}: offline mode is on (HF_HUB_OFFLINE is set). Unset HF_HUB_OFFLINE to go online.</source>
        <translation>无法连接 Hugging Face Hub 获取 {repo}：已开启离线模式（设置了 HF_HUB_OFFLINE）。取消设置 HF_HUB_OFFLINE 即可联网。</translation>
    </message>
</context>
<context>
    <name>JobWidget</name>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Remove from this list</source>
        <translation>从列表中移除</translation>
    </message>
    <message>
        <source>hf_…</source>
        <translation>hf_…</translation>
    </message>
    <message>
        <source>Save token and retry</source>
        <translation>保存令牌并重试</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
</context>
<context>
    <name>Library</name>
    <message>
        <source>{folder} is not a folder. Choose a folder that holds GGUF files.</source>
        <translation>{folder} 不是文件夹。请选择包含 GGUF 文件的文件夹。</translation>
    </message>
    <message>
        <source>No installed model matches {query!r}. Run `models list` to see names, or give the path of a model file.</source>
        <translation>没有与 {query!r} 匹配的已安装模型。运行 `models list` 查看名称，或提供模型文件的路径。</translation>
    </message>
    <message>
        <source>{count} installed models are named {query!r}: {listed}. Give the path of the one you mean.</source>
        <translation>有 {count} 个已安装模型名为 {query!r}：{listed}。请提供你所指模型的路径。</translation>
    </message>
    <message>
        <source>{name} has no reference hash (it is not linked to a blob).</source>
        <translation>{name} 没有参考哈希（它未链接到 blob）。</translation>
    </message>
    <message>
        <source>{model}: all {count} files are present. Files added from a folder have no reference checksum, so their content could not be checked.</source>
        <translation>{model}：全部 {count} 个文件都在。从文件夹添加的文件没有参考校验和，因此无法校验其内容。</translation>
    </message>
    <message>
        <source>{model} is no longer in the manifest. Run `models list` again.</source>
        <translation>{model} 已不在清单中。请重新运行 `models list`。</translation>
    </message>
    <message>
        <source>verification failed: download it again to repair it</source>
        <translation>校验失败：请重新下载以修复</translation>
    </message>
    <message>
        <source>missing or changed: {names}</source>
        <translation>缺失或已更改：{names}</translation>
    </message>
    <message>
        <source>raw byte split: join the parts with `cat` into one .gguf before loading</source>
        <translation>按字节拆分的原始分卷：加载前请用 `cat` 将各部分合并为一个 .gguf 文件</translation>
    </message>
    <message>
        <source>{missing} of {count} parts missing: {names}</source>
        <translation>共 {count} 个分卷文件，缺少 {missing} 个：{names}</translation>
    </message>
    <message>
        <source>{name} is missing ({path}).</source>
        <translation>{name} 缺失（{path}）。</translation>
    </message>
    <message>
        <source>{name} has {got} bytes, expected {size}.</source>
        <translation>{name} 有 {got} 字节，应为 {size} 字节。</translation>
    </message>
    <message>
        <source>{name}: verification was cancelled.</source>
        <translation>{name}：校验已取消。</translation>
    </message>
    <message>
        <source>Checksum mismatch for {name} (expected {expected}, got {got}).</source>
        <translation>{name} 的校验和不匹配（应为 {expected}，实际为 {got}）。</translation>
    </message>
    <message>
        <source>{name} is missing.</source>
        <translation>{name} 缺失。</translation>
    </message>
    <message>
        <source>{model}: all {count} files verified.</source>
        <translation>{model}：全部 {count} 个文件已校验。</translation>
    </message>
    <message>
        <source>{model} failed verification: {problems} Download it again to repair it.</source>
        <translation>{model} 校验失败：{problems} 请重新下载以修复。</translation>
    </message>
</context>
<context>
    <name>LlamaNative</name>
    <message>
        <source>libggml-base is missing from the llama-cpp-python install</source>
        <translation>llama-cpp-python 安装中缺少 libggml-base</translation>
    </message>
    <message>
        <source>llama.cpp could not load the model</source>
        <translation>llama.cpp 无法加载模型</translation>
    </message>
    <message>
        <source>llama.cpp could not create a context</source>
        <translation>llama.cpp 无法创建上下文</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Open model file…</source>
        <translation>打开模型文件…</translation>
    </message>
    <message>
        <source>Export conversation…</source>
        <translation>导出对话…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;Models</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>Download and manage models…</source>
        <translation>下载和管理模型…</translation>
    </message>
    <message>
        <source>Unload model</source>
        <translation>卸载模型</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>Preferences…</source>
        <translation>偏好设置…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>About DeepSeek Local</source>
        <translation>关于 DeepSeek Local</translation>
    </message>
</context>
<context>
    <name>MarkdownConvert</name>
    <message>
        <source>code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>image</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>[image: {alt}]</source>
        <translation>[图片：{alt}]</translation>
    </message>
</context>
<context>
    <name>MessageEditor</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Save &amp;&amp; resend</source>
        <translation>保存并重新发送</translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the message</source>
        <translation>复制消息</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Edit and resend</source>
        <translation>编辑并重新发送</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Write this answer again</source>
        <translation>重新生成此回答</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Let the model go on thinking, then answer</source>
        <translation>让模型继续思考，然后作答</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>ModelBar</name>
    <message>
        <source>Choose a model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <source>Open file…</source>
        <translation>打开文件…</translation>
    </message>
    <message>
        <source>Load a GGUF model file from disk</source>
        <translation>从磁盘加载 GGUF 模型文件</translation>
    </message>
    <message>
        <source>Models…</source>
        <translation>模型…</translation>
    </message>
    <message>
        <source>Download DeepSeek models and manage installed ones</source>
        <translation>下载 DeepSeek 模型，管理已安装的模型</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>No model installed</source>
        <translation>未安装模型</translation>
    </message>
    <message>
        <source>Loading {0}… {1:.0%}</source>
        <translation>正在加载 {0}… {1:.0%}</translation>
    </message>
</context>
<context>
    <name>ModelController</name>
    <message>
        <source>The server connection this conversation used was removed; the local model answers it now.</source>
        <translation>此对话使用的服务器连接已被移除，现在改由本地模型回答。</translation>
    </message>
    <message>
        <source>No model loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <source>{0} does not exist.</source>
        <translation>{0} 不存在。</translation>
    </message>
    <message>
        <source>Loading cancelled.</source>
        <translation>已取消加载。</translation>
    </message>
    <message>
        <source>Open a GGUF model</source>
        <translation>打开 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>{0} always reasons before answering.</source>
        <translation>{0} 总是先思考再回答。</translation>
    </message>
    <message>
        <source>{0} cannot reason step by step.</source>
        <translation>{0} 不支持深度思考。</translation>
    </message>
    <message>
        <source>Choose a model first: pick one above, open a GGUF file, or download one from Models…</source>
        <translation>请先选择模型：在上方选择一个、打开 GGUF 文件，或通过“模型…”下载</translation>
    </message>
    <message>
        <source>context {0:,}</source>
        <translation>上下文 {0:,}</translation>
    </message>
    <message>
        <source>context {0:,} / {1:,}</source>
        <translation>上下文 {0:,} / {1:,}</translation>
    </message>
    <message>
        <source>{0:.1f} tok/s</source>
        <translation>{0:.1f} token/s</translation>
    </message>
    <message>
        <source>first token {0:.2f} s</source>
        <translation>首 token 延迟 {0:.2f} 秒</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Choose a model to start chatting</source>
        <translation>选择一个模型即可开始对话</translation>
    </message>
</context>
<context>
    <name>Offload</name>
    <message>
        <source>~{tps:.1f} tok/s</source>
        <translation>约 {tps:.1f} token/s</translation>
    </message>
    <message>
        <source>~{tps:.0f} tok/s</source>
        <translation>约 {tps:.0f} token/s</translation>
    </message>
    <message>
        <source>GPU {gb:.1f} GB · everything on the GPU</source>
        <translation>GPU {gb:.1f} GB · 全部在 GPU 上</translation>
    </message>
    <message>
        <source>CPU only · RAM {gb:.1f} GB</source>
        <translation>仅 CPU · 内存 {gb:.1f} GB</translation>
    </message>
    <message>
        <source>GPU {gb:.1f} GB · {on_gpu} of {layers} layers on the GPU · experts of {cpu_layers} layers in RAM</source>
        <translation>GPU {gb:.1f} GB · {on_gpu}/{layers} 层在 GPU 上 · {cpu_layers} 层专家在内存</translation>
    </message>
    <message>
        <source>GPU {gb:.1f} GB · experts of {cpu_layers} layers in RAM</source>
        <translation>GPU {gb:.1f} GB · {cpu_layers} 层专家在内存</translation>
    </message>
    <message>
        <source>{placement} · larger than memory: reads from disk, very slow</source>
        <translation>{placement} · 超出内存容量：将从磁盘读取，非常慢</translation>
    </message>
    <message>
        <source>This plan needs {need:.1f} GB of VRAM but about {have:.1f} GB can be used: loading will likely fail. Keep more layers&apos; experts in RAM.</source>
        <translation>此方案需要 {need:.1f} GB 显存，但可用的只有约 {have:.1f} GB：加载很可能会失败。请将更多层的专家放到内存。</translation>
    </message>
</context>
<context>
    <name>PresetController</name>
    <message>
        <source>{0} has no system role: as DeepSeek advises, the system prompt goes at the start of the first message instead.</source>
        <translation>{0} 没有系统角色：按照 DeepSeek 的建议，系统提示词会放在第一条消息的开头。</translation>
    </message>
    <message>
        <source>No system prompt</source>
        <translation>无系统提示词</translation>
    </message>
    <message>
        <source>The model gets only your messages. Click to give this conversation a system prompt.</source>
        <translation>模型只会收到你的消息。点击可为此对话设置系统提示词。</translation>
    </message>
    <message>
        <source>System prompt: default</source>
        <translation>系统提示词：默认</translation>
    </message>
    <message>
        <source>System prompt: custom</source>
        <translation>系统提示词：自定义</translation>
    </message>
    <message>
        <source>Sampling: the server&apos;s</source>
        <translation>采样：使用服务器设置</translation>
    </message>
    <message>
        <source>The server&apos;s own sampler settings are used.</source>
        <translation>使用服务器自己的采样设置。</translation>
    </message>
    <message>
        <source>Temperature {0:g} · top-p {1:g}</source>
        <translation>温度 {0:g} · top-p {1:g}</translation>
    </message>
    <message>
        <source>This conversation&apos;s own sampler settings.</source>
        <translation>此对话专用的采样设置。</translation>
    </message>
    <message>
        <source>The settings for {0} (Settings → Sampling).</source>
        <translation>{0} 的采样设置（设置 → 采样）。</translation>
    </message>
    <message>
        <source>The recommended sampler settings.</source>
        <translation>推荐的采样设置。</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Use the server&apos;s own settings</source>
        <translation>使用服务器自己的设置</translation>
    </message>
    <message>
        <source>Use the settings for {0}</source>
        <translation>使用 {0} 的设置</translation>
    </message>
    <message>
        <source>Use the recommended settings</source>
        <translation>使用推荐设置</translation>
    </message>
</context>
<context>
    <name>Prompting</name>
    <message>
        <source>{model} cannot go on thinking: it does not reason step by step. Regenerate the answer instead.</source>
        <translation>{model} 无法继续思考：它不会逐步推理。请改为重新生成回答。</translation>
    </message>
    <message>
        <source>There is no message to answer yet. Write a message first.</source>
        <translation>还没有需要回答的消息。请先输入一条消息。</translation>
    </message>
    <message>
        <source>The model can only answer a user message, but the conversation ends with an assistant message. Send a new message to continue.</source>
        <translation>模型只能回答用户消息，但此对话以助手消息结尾。请发送一条新消息以继续。</translation>
    </message>
    <message>
        <source>The model can only answer a user message, but the conversation ends with a system message. Send a new message to continue.</source>
        <translation>模型只能回答用户消息，但此对话以系统消息结尾。请发送一条新消息以继续。</translation>
    </message>
    <message>
        <source>{model} cannot reason step by step. Turn off deep thinking, or use DeepSeek-R1 or a DeepSeek-V3.1 model for it.</source>
        <translation>{model} 不支持逐步推理。请关闭深度思考，或改用 DeepSeek-R1 或 DeepSeek-V3.1 模型。</translation>
    </message>
    <message>
        <source>{model} is not a DeepSeek model and its file has no chat template, so the app cannot tell how to talk to it. Use a GGUF file that includes its chat template.</source>
        <translation>{model} 不是 DeepSeek 模型，文件中也没有对话模板，因此本应用不知道如何与它对话。请使用包含对话模板的 GGUF 文件。</translation>
    </message>
    <message>
        <source>{model} knows the reasoning efforts {levels}, not &apos;{effort}&apos;.</source>
        <translation>{model} 支持的思考强度为 {levels}，不支持“{effort}”。</translation>
    </message>
    <message>
        <source>{model} has no reasoning effort levels: its chat template knows no effort setting. Ask without one.</source>
        <translation>{model} 没有思考强度档位：它的对话模板不支持强度设置。请不指定强度再提问。</translation>
    </message>
</context>
<context>
    <name>QuantTypes</name>
    <message>
        <source>{name} cannot be loaded: tensor {tensor} uses quant type {quant}, which llama.cpp no longer supports (the file predates its removal); get a recent conversion of this model.</source>
        <translation>{name} 无法加载：张量 {tensor} 使用了量化类型 {quant}，llama.cpp 已不再支持该类型（此文件早于该类型被移除）；请获取此模型较新的转换版本。</translation>
    </message>
    <message>
        <source>{name} cannot be loaded: tensor {tensor} uses quant type {quant}, which exists only in ik_llama.cpp; pick a quant of this model made for mainline llama.cpp.</source>
        <translation>{name} 无法加载：张量 {tensor} 使用了量化类型 {quant}，该类型仅存在于 ik_llama.cpp 中；请选择此模型为主线 llama.cpp 制作的量化版本。</translation>
    </message>
    <message>
        <source>{name} cannot be loaded: tensor {tensor} uses quant type #{type_id}, which mainline llama.cpp does not have (ik_llama.cpp and its forks number their own types from 128); pick a mainline quant.</source>
        <translation>{name} 无法加载：张量 {tensor} 使用了量化类型 #{type_id}，主线 llama.cpp 没有该类型（ik_llama.cpp 及其分支从 128 开始为自己的类型编号）；请选择主线量化版本。</translation>
    </message>
    <message>
        <source>{name} cannot be loaded: tensor {tensor} uses quant type #{type_id}, which this llama.cpp does not know; the file may be damaged, or it needs a newer llama.cpp.</source>
        <translation>{name} 无法加载：张量 {tensor} 使用了量化类型 #{type_id}，当前 llama.cpp 无法识别该类型；文件可能已损坏，或需要更新版本的 llama.cpp。</translation>
    </message>
</context>
<context>
    <name>ReasoningPanel</name>
    <message>
        <source>{seconds:.1f} s</source>
        <translation>{seconds:.1f} 秒</translation>
    </message>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds} 秒</translation>
    </message>
    <message>
        <source>{minutes} min {seconds} s</source>
        <translation>{minutes} 分 {seconds} 秒</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} 分钟</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the reasoning</source>
        <translation>复制思考过程</translation>
    </message>
    <message>
        <source>Thinking… {duration}</source>
        <translation>思考中… {duration}</translation>
    </message>
    <message>
        <source>Thought for {duration}</source>
        <translation>已深度思考（用时 {duration}）</translation>
    </message>
    <message>
        <source>Thoughts</source>
        <translation>思考过程</translation>
    </message>
    <message>
        <source>Hide the reasoning</source>
        <translation>隐藏思考过程</translation>
    </message>
    <message>
        <source>Show the reasoning</source>
        <translation>显示思考过程</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>RemoteEngine</name>
    <message>
        <source>Connected: {count} model ({shown}); first token in {ttft:.2f} s. Not in the server&apos;s list: {unlisted}.</source>
        <translation>已连接：{count} 个模型（{shown}）；首 token 延迟 {ttft:.2f} 秒。不在服务器列表中：{unlisted}。</translation>
    </message>
    <message>
        <source>Connected: {count} models ({shown}); first token in {ttft:.2f} s. Not in the server&apos;s list: {unlisted}.</source>
        <translation>已连接：{count} 个模型（{shown}）；首 token 延迟 {ttft:.2f} 秒。不在服务器列表中：{unlisted}。</translation>
    </message>
    <message>
        <source>Connected: {count} model ({shown}); first token in {ttft:.2f} s.</source>
        <translation>已连接：{count} 个模型（{shown}）；首 token 延迟 {ttft:.2f} 秒。</translation>
    </message>
    <message>
        <source>Connected: {count} models ({shown}); first token in {ttft:.2f} s.</source>
        <translation>已连接：{count} 个模型（{shown}）；首 token 延迟 {ttft:.2f} 秒。</translation>
    </message>
    <message>
        <source>{connection} cannot go on from where an answer stopped thinking: OpenAI-compatible servers have no way to continue one. Regenerate the answer instead.</source>
        <translation>{connection} 无法从回答停止思考的地方继续：OpenAI 兼容的服务器没有续写回答的方式。请改为重新生成回答。</translation>
    </message>
    <message>
        <source>{connection} is set up without deep thinking. Turn off deep thinking, or change how this connection switches thinking.</source>
        <translation>{connection} 未配置深度思考。请关闭深度思考，或更改此连接切换深度思考的方式。</translation>
    </message>
    <message>
        <source>{name} answered with {content_type} instead of an event stream. Check the base URL ({url}).</source>
        <translation>{name} 返回的是 {content_type}，而不是事件流。请检查基础 URL（{url}）。</translation>
    </message>
    <message>
        <source>an event is longer than {mib} MiB</source>
        <translation>有一个事件超过 {mib} MiB</translation>
    </message>
    <message>
        <source>a data line is not JSON ({error}): {snippet!r}</source>
        <translation>有一个数据行不是 JSON（{error}）：{snippet!r}</translation>
    </message>
    <message>
        <source>{name} reported an error while answering: {error}</source>
        <translation>{name} 在回答时报告错误：{error}</translation>
    </message>
    <message>
        <source>{name} answered {url} with something that is not a model list.</source>
        <translation>{name} 对 {url} 返回的内容不是模型列表。</translation>
    </message>
    <message>
        <source>{name} needs an API key (HTTP {status}). Set one for this connection.</source>
        <translation>{name} 需要 API 密钥（HTTP {status}）。请为此连接设置 API 密钥。</translation>
    </message>
    <message>
        <source>{name} rejected the API key (HTTP {status}). Check the key set for this connection.</source>
        <translation>{name} 拒绝了 API 密钥（HTTP {status}）。请检查为此连接设置的密钥。</translation>
    </message>
    <message>
        <source>{name} is rate limiting requests (HTTP 429) and asks to wait {seconds:.0f} s. Try again then.</source>
        <translation>{name} 触发了速率限制（HTTP 429），要求等待 {seconds:.0f} 秒。请届时重试。</translation>
    </message>
    <message>
        <source>{name} is rate limiting requests (HTTP 429). Wait a moment and try again.</source>
        <translation>{name} 触发了速率限制（HTTP 429）。请稍候再试。</translation>
    </message>
    <message>
        <source>{name} has no OpenAI-compatible API at {url} (HTTP 404). Check the base URL; it usually ends in /v1.</source>
        <translation>{name} 在 {url} 上没有 OpenAI 兼容的 API（HTTP 404）。请检查基础 URL，它通常以 /v1 结尾。</translation>
    </message>
    <message>
        <source>{name} failed with HTTP {status} ({error}). Try again later.</source>
        <translation>{name} 出错，返回 HTTP {status}（{error}）。请稍后重试。</translation>
    </message>
    <message>
        <source>{name} has no model named &apos;{model}&apos;, and lists no models at all.</source>
        <translation>{name} 没有名为“{model}”的模型，而且未列出任何模型。</translation>
    </message>
    <message>
        <source>{name} has no model named &apos;{model}&apos;. It has: {shown} and {more} more. Choose one of them for this connection.</source>
        <translation>{name} 没有名为“{model}”的模型。可用模型：{shown}，另有 {more} 个。请为此连接选择其中之一。</translation>
    </message>
    <message>
        <source>{name} has no model named &apos;{model}&apos;. It has: {shown}. Choose one of them for this connection.</source>
        <translation>{name} 没有名为“{model}”的模型。可用模型：{shown}。请为此连接选择其中之一。</translation>
    </message>
    <message>
        <source>{where} stopped sending for {seconds:g} s; the answer was cut off. Try again.</source>
        <translation>{where} 已 {seconds:g} 秒未发送数据，回答被中断。请重试。</translation>
    </message>
    <message>
        <source>The connection to {where} closed before the answer was complete. Try again.</source>
        <translation>与 {where} 的连接在回答完成前关闭。请重试。</translation>
    </message>
    <message>
        <source>{name} sent a malformed stream: {problem}.</source>
        <translation>{name} 发送的数据流格式有误：{problem}。</translation>
    </message>
    <message>
        <source>{name} refused the request (HTTP {status}: {error}).</source>
        <translation>{name} 拒绝了请求（HTTP {status}：{error}）。</translation>
    </message>
</context>
<context>
    <name>RemoteHttp</name>
    <message>
        <source>{address!r} is not a server address: it must start with http:// or https:// and name a host, e.g. http://127.0.0.1:8000/v1.</source>
        <translation>{address!r} 不是服务器地址：必须以 http:// 或 https:// 开头并包含主机名，例如 http://127.0.0.1:8000/v1。</translation>
    </message>
    <message>
        <source>{address!r} has an invalid port number.</source>
        <translation>{address!r} 的端口号无效。</translation>
    </message>
    <message>
        <source>Could not connect to {where}: the connection was refused. Check that the server is running and that the address is right.</source>
        <translation>无法连接到 {where}：连接被拒绝。请检查服务器是否正在运行、地址是否正确。</translation>
    </message>
    <message>
        <source>Could not find the server {host} ({error}). Check the address and your network connection.</source>
        <translation>找不到服务器 {host}（{error}）。请检查地址和网络连接。</translation>
    </message>
    <message>
        <source>Could not connect to {where} within {seconds:g} s. Check the address, your network and any firewall in between.</source>
        <translation>无法在 {seconds:g} 秒内连接到 {where}。请检查地址、网络以及中间的防火墙。</translation>
    </message>
    <message>
        <source>The secure connection to {where} failed: {error}. Check that the address uses the server&apos;s real name.</source>
        <translation>与 {where} 的安全连接失败：{error}。请检查地址是否使用了服务器的真实名称。</translation>
    </message>
    <message>
        <source>The secure connection to {where} failed ({error}). If the server speaks plain HTTP, use an http:// address.</source>
        <translation>与 {where} 的安全连接失败（{error}）。如果服务器使用普通 HTTP，请使用 http:// 地址。</translation>
    </message>
    <message>
        <source>Could not connect to {where} ({error}). Check the address and your network connection.</source>
        <translation>无法连接到 {where}（{error}）。请检查地址和网络连接。</translation>
    </message>
    <message>
        <source>{where} did not answer within {seconds:g} s. The server may be overloaded; try again later.</source>
        <translation>{where} 在 {seconds:g} 秒内没有响应。服务器可能负载过高，请稍后重试。</translation>
    </message>
    <message>
        <source>{where} closed the connection without answering ({error}). Check that the address points to an OpenAI-compatible server.</source>
        <translation>{where} 未响应就关闭了连接（{error}）。请检查该地址是否指向 OpenAI 兼容的服务器。</translation>
    </message>
    <message>
        <source>it closed the connection</source>
        <translation>对方关闭了连接</translation>
    </message>
</context>
<context>
    <name>RemoteStream</name>
    <message>
        <source>an event is a JSON {type}, not an object</source>
        <translation>有一个事件是 JSON {type}，而不是对象</translation>
    </message>
    <message>
        <source>an event has no &apos;choices&apos; list</source>
        <translation>有一个事件没有 &apos;choices&apos; 列表</translation>
    </message>
    <message>
        <source>a choice is not an object</source>
        <translation>有一个 choice 不是对象</translation>
    </message>
    <message>
        <source>a choice&apos;s &apos;delta&apos; is not an object</source>
        <translation>有一个 choice 的 &apos;delta&apos; 不是对象</translation>
    </message>
    <message>
        <source>&apos;finish_reason&apos; is {value!r}, not a text</source>
        <translation>&apos;finish_reason&apos; 为 {value!r}，而不是文本</translation>
    </message>
    <message>
        <source>&apos;delta.{key}&apos; is {type}, not a text</source>
        <translation>&apos;delta.{key}&apos; 为 {type}，而不是文本</translation>
    </message>
    <message>
        <source>&apos;usage&apos; is not an object</source>
        <translation>&apos;usage&apos; 不是对象</translation>
    </message>
    <message>
        <source>&apos;usage&apos; does not hold token counts</source>
        <translation>&apos;usage&apos; 中没有 token 计数</translation>
    </message>
    <message>
        <source>no details given</source>
        <translation>未提供详细信息</translation>
    </message>
</context>
<context>
    <name>Rpc</name>
    <message>
        <source>&apos;{item}&apos; is not an RPC worker address: write host:port, e.g. 192.168.1.20:{port}.</source>
        <translation>“{item}”不是 RPC 工作节点地址：请按“主机:端口”格式填写，例如 192.168.1.20:{port}。</translation>
    </message>
    <message>
        <source>this llama.cpp was built without RPC support (-DGGML_RPC=on)</source>
        <translation>此 llama.cpp 构建时未启用 RPC 支持（-DGGML_RPC=on）</translation>
    </message>
    <message>
        <source>the ggml device functions are missing from this llama.cpp</source>
        <translation>此 llama.cpp 缺少 ggml 设备函数</translation>
    </message>
    <message>
        <source>could not reach the RPC worker {endpoint}; check that rpc-server runs there and the port is open</source>
        <translation>无法连接 RPC 工作节点 {endpoint}；请检查该机器上是否运行了 rpc-server，以及端口是否开放</translation>
    </message>
</context>
<context>
    <name>Server</name>
    <message>
        <source>The port must be a number from 1 to 65535, not {port}.</source>
        <translation>端口必须是 1 到 65535 之间的数字，而不是 {port}。</translation>
    </message>
    <message>
        <source>Serving other devices ({host}) needs an API key, or anyone on the network could use this computer&apos;s model. Set a key, or serve this computer only (127.0.0.1).</source>
        <translation>为其他设备提供服务（{host}）需要 API 密钥，否则网络上的任何人都能使用这台电脑的模型。请设置密钥，或只为本机提供服务（127.0.0.1）。</translation>
    </message>
    <message>
        <source>The number of waiting requests cannot be negative ({n}).</source>
        <translation>等待中的请求数不能为负数（{n}）。</translation>
    </message>
    <message>
        <source>Cannot serve on {host}: the address is unknown ({reason}).</source>
        <translation>无法在 {host} 上提供服务：地址无法识别（{reason}）。</translation>
    </message>
    <message>
        <source>Port {port} on {host} is already in use by another program. Choose another port, or stop that program.</source>
        <translation>{host} 上的端口 {port} 已被其他程序占用。请换一个端口，或停止那个程序。</translation>
    </message>
    <message>
        <source>Cannot serve on {host}:{port}: {reason}.</source>
        <translation>无法在 {host}:{port} 上提供服务：{reason}。</translation>
    </message>
</context>
<context>
    <name>ServerController</name>
    <message>
        <source>API server not started</source>
        <translation>API 服务未启动</translation>
    </message>
    <message>
        <source>Other devices on the network: {0}</source>
        <translation>网络上的其他设备：{0}</translation>
    </message>
    <message>
        <source>A chat of the API server was not saved: {0}</source>
        <translation>API 服务的一段对话未能保存：{0}</translation>
    </message>
</context>
<context>
    <name>ServerPage</name>
    <message>
        <source>Other programs (your editor&apos;s assistant such as Continue, Cline or Zed, Open WebUI, your scripts) can use the model loaded in this window through an OpenAI-compatible API, with its reasoning in reasoning_content.</source>
        <translation>其他程序（编辑器中的助手，如 Continue、Cline 或 Zed，以及 Open WebUI、你的脚本）可以通过兼容 OpenAI 的 API 使用本窗口加载的模型，思考过程放在 reasoning_content 中。</translation>
    </message>
    <message>
        <source>Serve the loaded model to other programs</source>
        <translation>向其他程序提供已加载的模型</translation>
    </message>
    <message>
        <source>none: any program on this computer may use it</source>
        <translation>不设置：本机上的任何程序都可以使用</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Allow other devices on my network</source>
        <translation>允许我网络中的其他设备访问</translation>
    </message>
    <message>
        <source>http://localhost:3000</source>
        <translation>http://localhost:3000</translation>
    </message>
    <message>
        <source>Web pages (origins) allowed to call the API from a browser, separated by commas. Empty: none; programs that are not web pages are not affected.</source>
        <translation>允许在浏览器中调用此 API 的网页（源），用逗号分隔。留空：不允许任何网页；非网页程序不受影响。</translation>
    </message>
    <message>
        <source>Save the server&apos;s chats as conversations</source>
        <translation>将服务器对话保存为对话记录</translation>
    </message>
    <message>
        <source>Each answered request is kept in the sidebar; the next request of the same chat (the same earlier messages) continues its conversation. Off: the API keeps nothing.</source>
        <translation>每个已回答的请求都会保存在侧边栏中；同一对话的下一个请求（之前的消息相同）会接着写入该对话记录。关闭时，API 不保留任何内容。</translation>
    </message>
    <message>
        <source>Requests are answered one at a time by the model loaded in this window, in turn with your own chats (which then say they wait for the server&apos;s request); up to {0} more wait, further ones get HTTP 429. A program that disconnects stops its answer. Unless saving is on, server chats are not kept.</source>
        <translation>请求由此窗口中加载的模型逐个回答，并与你自己的对话轮流进行（此时你的对话会显示正在等待服务器请求）；最多再有 {0} 个请求排队等待，更多的请求会收到 HTTP 429。断开连接的程序会停止其回答。除非开启保存，服务器对话不会保存为对话记录。</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Allowed web pages</source>
        <translation>允许的网页</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Listens on every network interface, so phones and other computers can use the model; every request must carry the API key.</source>
        <translation>在所有网络接口上监听，手机和其他电脑都可以使用该模型；每个请求都必须携带 API 密钥。</translation>
    </message>
    <message>
        <source>Set an API key first: without one, anyone on the network could use this computer&apos;s model.</source>
        <translation>请先设置 API 密钥：没有密钥，网络上的任何人都能使用这台电脑的模型。</translation>
    </message>
    <message>
        <source>this computer&apos;s address</source>
        <translation>本机地址</translation>
    </message>
    <message>
        <source>Other devices: http://{0}:{1}/v1</source>
        <translation>其他设备：http://{0}:{1}/v1</translation>
    </message>
</context>
<context>
    <name>ServerStatus</name>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the server&apos;s address</source>
        <translation>复制服务地址</translation>
    </message>
    <message>
        <source>API: {0}</source>
        <translation>API：{0}</translation>
    </message>
    <message>
        <source>Other programs can use the loaded model at this OpenAI-compatible address</source>
        <translation>其他程序可以通过这个兼容 OpenAI 的地址使用已加载的模型</translation>
    </message>
    <message>
        <source>API server off</source>
        <translation>API 服务已关闭</translation>
    </message>
    <message>
        <source>Serving a request…</source>
        <translation>正在处理请求…</translation>
    </message>
    <message>
        <source>Serving a request… ({0} waiting)</source>
        <translation>正在处理请求…（{0} 个等待中）</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Invalid setting {name}: {error}.</source>
        <translation>设置项 {name} 无效：{error}。</translation>
    </message>
    <message>
        <source>Could not save the settings to {path} ({error}). Check that the folder is writable and the disk is not full.</source>
        <translation>无法将设置保存到 {path}（{error}）。请检查文件夹是否可写、磁盘是否已满。</translation>
    </message>
    <message>
        <source>expected a whole number, got {value!r}</source>
        <translation>应为整数，实际为 {value!r}</translation>
    </message>
    <message>
        <source>{value} is outside {low}–{high}</source>
        <translation>{value} 超出范围 {low}–{high}</translation>
    </message>
    <message>
        <source>expected a non-empty text, got {value!r}</source>
        <translation>应为非空文本，实际为 {value!r}</translation>
    </message>
    <message>
        <source>expected a text, got {value!r}</source>
        <translation>应为文本，实际为 {value!r}</translation>
    </message>
    <message>
        <source>expected a text</source>
        <translation>应为文本</translation>
    </message>
    <message>
        <source>expected true or false, got {value!r}</source>
        <translation>应为 true 或 false，实际为 {value!r}</translation>
    </message>
    <message>
        <source>expected a list of folders, got {value!r}</source>
        <translation>应为文件夹列表，实际为 {value!r}</translation>
    </message>
    <message>
        <source>expected a list of host:port addresses, got {value!r}</source>
        <translation>应为 host:port 地址列表，实际为 {value!r}</translation>
    </message>
    <message>
        <source>expected a number of GiB, got {value!r}</source>
        <translation>应为以 GiB 为单位的数字，实际为 {value!r}</translation>
    </message>
    <message>
        <source>{value} GiB is outside 0.5–4096</source>
        <translation>{value} GiB 超出 0.5–4096 的范围</translation>
    </message>
    <message>
        <source>expected a list of web origins, got {value!r}</source>
        <translation>应为网页源列表，实际为 {value!r}</translation>
    </message>
    <message>
        <source>{origin!r} is not a web origin such as http://localhost:3000</source>
        <translation>{origin!r} 不是网页源（例如 http://localhost:3000）</translation>
    </message>
    <message>
        <source>{value!r} is not one of {allowed}</source>
        <translation>{value!r} 不是以下值之一：{allowed}</translation>
    </message>
    <message>
        <source>{key} must be a number, got {value!r}</source>
        <translation>{key} 必须是数字，实际为 {value!r}</translation>
    </message>
    <message>
        <source>{key} {value} is outside {low}–{high}</source>
        <translation>{key} 的值 {value} 超出范围 {low}–{high}</translation>
    </message>
    <message>
        <source>{family}: expected sampler settings, got {value!r}</source>
        <translation>{family}：应为采样设置，实际为 {value!r}</translation>
    </message>
    <message>
        <source>{family}: unknown sampler setting {name!r}</source>
        <translation>{family}：未知的采样设置 {name!r}</translation>
    </message>
    <message>
        <source>{family}: top_k must be a whole number ≥ 0, got {top_k!r}</source>
        <translation>{family}：top_k 必须是 ≥ 0 的整数，实际为 {top_k!r}</translation>
    </message>
    <message>
        <source>expected a table of model families, got {value!r}</source>
        <translation>应为按模型系列列出的表，实际为 {value!r}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>Servers</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>API server</source>
        <translation>API 服务</translation>
    </message>
    <message>
        <source>App</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>{0:,} tokens</source>
        <translation>{0:,} token</translation>
    </message>
    <message>
        <source>f16 (best quality)</source>
        <translation>f16（质量最佳）</translation>
    </message>
    <message>
        <source>q8_0 (half the memory)</source>
        <translation>q8_0（一半内存）</translation>
    </message>
    <message>
        <source>q4_0 (a quarter)</source>
        <translation>q4_0（四分之一内存）</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>KV cache</source>
        <translation>KV 缓存</translation>
    </message>
    <message>
        <source>Expert offload</source>
        <translation>专家卸载到内存</translation>
    </message>
    <message>
        <source>Automatic: plan for this machine</source>
        <translation>自动：按本机配置规划</translation>
    </message>
    <message>
        <source>Manual</source>
        <translation>手动</translation>
    </message>
    <message>
        <source>Automatic (one per physical core)</source>
        <translation>自动（每个物理核心一个）</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU 线程</translation>
    </message>
    <message>
        <source>Machines running llama.cpp&apos;s rpc-server that hold part of the model&apos;s layers</source>
        <translation>运行 llama.cpp rpc-server 的机器，承载模型的部分层</translation>
    </message>
    <message>
        <source>RPC workers</source>
        <translation>RPC 工作节点</translation>
    </message>
    <message>
        <source>Conversation cache</source>
        <translation>对话缓存</translation>
    </message>
    <message>
        <source>Keep each conversation&apos;s evaluated prompt, so reopening or continuing it answers at once</source>
        <translation>保留每个对话已处理的提示，重新打开或继续对话时可立即回答</translation>
    </message>
    <message>
        <source>The model&apos;s KV cache is saved after each answer, in the cache folder. Without it, a long conversation is read again after a restart or a switch.</source>
        <translation>每次回答后，模型的 KV 缓存会保存在缓存文件夹中。没有它，长对话在重启或切换后需要重新读取。</translation>
    </message>
    <message>
        <source>Automatic ({0:.0f} GiB)</source>
        <translation>自动（{0:.0f} GiB）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Disk space</source>
        <translation>磁盘空间</translation>
    </message>
    <message>
        <source>In use: {0:.2f} GB</source>
        <translation>已使用：{0:.2f} GB</translation>
    </message>
    <message>
        <source>Default system prompt</source>
        <translation>默认系统提示词</translation>
    </message>
    <message>
        <source>Instructions every new conversation starts with, e.g. &quot;Answer in the language of the question.&quot; Leave empty for none.</source>
        <translation>每个新对话开头给模型的指示，例如“用提问所用的语言回答。”留空表示不使用。</translation>
    </message>
    <message>
        <source>A conversation can have its own: click &quot;System prompt&quot; above the chat. DeepSeek-R1 and its distills have no system role: as DeepSeek advises, the text goes at the start of the first message instead.</source>
        <translation>每个对话也可以有自己的系统提示词：点击对话上方的“系统提示词”。DeepSeek-R1 及其蒸馏模型没有系统角色：按照 DeepSeek 的建议，这段文字会放在第一条消息的开头。</translation>
    </message>
    <message>
        <source>R1 distills</source>
        <translation>R1 蒸馏模型</translation>
    </message>
    <message>
        <source>Other models</source>
        <translation>其他模型</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Reset to recommended</source>
        <translation>恢复推荐值</translation>
    </message>
    <message>
        <source>Model family</source>
        <translation>模型系列</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Keep the reasoning panel expanded</source>
        <translation>保持思考过程展开</translation>
    </message>
    <message>
        <source>Hugging Face cache (shared with other tools)</source>
        <translation>Hugging Face 缓存（与其他工具共享）</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>hf_… (only for gated or private repos)</source>
        <translation>hf_…（仅受限仓库或私有仓库需要）</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Takes effect after a restart.</source>
        <translation>重启后生效。</translation>
    </message>
    <message>
        <source>Models folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>Hugging Face token</source>
        <translation>Hugging Face 访问令牌</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Recommended: temperature {0}, top-p {1}.</source>
        <translation>推荐值：温度 {0}，top-p {1}。</translation>
    </message>
    <message>
        <source>all {0} MoE layers&apos; experts in RAM</source>
        <translation>全部 {0} 个 MoE 层的专家在内存</translation>
    </message>
    <message>
        <source>experts of {0} MoE layers in RAM</source>
        <translation>{0} 个 MoE 层的专家在内存</translation>
    </message>
    <message>
        <source>Load a model to see where it would go.</source>
        <translation>加载模型后即可查看它在显存和内存中的分配。</translation>
    </message>
</context>
<context>
    <name>Store</name>
    <message>
        <source>create a conversation</source>
        <translation>创建对话</translation>
    </message>
    <message>
        <source>list the conversations</source>
        <translation>列出对话</translation>
    </message>
    <message>
        <source>read a conversation</source>
        <translation>读取对话</translation>
    </message>
    <message>
        <source>rename a conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>save the deep thinking choice</source>
        <translation>保存深度思考选项</translation>
    </message>
    <message>
        <source>save the reasoning effort</source>
        <translation>保存思考强度</translation>
    </message>
    <message>
        <source>save the model choice</source>
        <translation>保存模型选择</translation>
    </message>
    <message>
        <source>save the engine choice</source>
        <translation>保存引擎选择</translation>
    </message>
    <message>
        <source>save the system prompt</source>
        <translation>保存系统提示词</translation>
    </message>
    <message>
        <source>save the sampling settings</source>
        <translation>保存采样设置</translation>
    </message>
    <message>
        <source>update a conversation</source>
        <translation>更新对话</translation>
    </message>
    <message>
        <source>delete a conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>read the messages</source>
        <translation>读取消息</translation>
    </message>
    <message>
        <source>read a message</source>
        <translation>读取消息</translation>
    </message>
    <message>
        <source>save a message</source>
        <translation>保存消息</translation>
    </message>
    <message>
        <source>choose a version</source>
        <translation>切换版本</translation>
    </message>
    <message>
        <source>save the answer</source>
        <translation>保存回答</translation>
    </message>
    <message>
        <source>save the edit</source>
        <translation>保存编辑</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>The conversation {id} no longer exists; it may have been deleted.</source>
        <translation>对话 {id} 已不存在，可能已被删除。</translation>
    </message>
    <message>
        <source>The message {id} no longer exists; it may have been deleted.</source>
        <translation>消息 {id} 已不存在，可能已被删除。</translation>
    </message>
</context>
<context>
    <name>StoreDb</name>
    <message>
        <source>The conversation database at {path} is damaged ({error}). It was moved aside to {aside}; a new, empty one was started. Nothing was deleted.</source>
        <translation>位于 {path} 的对话数据库已损坏（{error}）。它已被移至 {aside}，并新建了一个空数据库。没有删除任何内容。</translation>
    </message>
    <message>
        <source>Could not {action} in the conversation database at {path} ({error}). {hint}</source>
        <translation>无法在位于 {path} 的对话数据库中{action}（{error}）。{hint}</translation>
    </message>
    <message>
        <source>The conversation database at {path} was written by a newer version of DeepSeek Local (schema {version}; this version reads up to {latest}). Update the app.</source>
        <translation>位于 {path} 的对话数据库由更新版本的 DeepSeek Local 写入（结构版本 {version}；当前版本最高只能读取 {latest}）。请更新应用。</translation>
    </message>
    <message>
        <source>Free some disk space and try again.</source>
        <translation>请释放一些磁盘空间后重试。</translation>
    </message>
    <message>
        <source>Another copy of DeepSeek Local is using it; try again in a moment.</source>
        <translation>另一个 DeepSeek Local 实例正在使用它；请稍后重试。</translation>
    </message>
    <message>
        <source>The file is damaged: quit the app and start it again; it will be moved aside.</source>
        <translation>文件已损坏：请退出应用并重新启动；该文件将被移到一旁保留。</translation>
    </message>
    <message>
        <source>Check that the disk and the folder are writable, then try again.</source>
        <translation>请检查磁盘和文件夹是否可写，然后重试。</translation>
    </message>
    <message>
        <source>The conversation database at {path} cannot be opened ({reason}). Check that the file and its folder are readable and writable.</source>
        <translation>无法打开位于 {path} 的对话数据库（{reason}）。请检查该文件及其所在文件夹是否可读写。</translation>
    </message>
</context>
<context>
    <name>StoreExport</name>
    <message>
        <source>Started {time} · {model}</source>
        <translation>开始于 {time} · {model}</translation>
    </message>
    <message>
        <source>Started {time}</source>
        <translation>开始于 {time}</translation>
    </message>
    <message>
        <source>version {version} of {versions}</source>
        <translation>第 {version} 版，共 {versions} 版</translation>
    </message>
    <message>
        <source>**Reasoning**</source>
        <translation>**思考过程**</translation>
    </message>
    <message>
        <source>**Reasoning** ({seconds:.1f} s)</source>
        <translation>**思考过程**（{seconds:.1f} 秒）</translation>
    </message>
    <message>
        <source>{tokens} tokens · {tps:.1f} tokens/s · {ttft:.2f} s to first token</source>
        <translation>{tokens} 个 token · {tps:.1f} token/s · 首 token 延迟 {ttft:.2f} 秒</translation>
    </message>
    <message>
        <source>**Attached: {name}** ({size}, first part only)</source>
        <translation>**附件：{name}**（{size}，仅前一部分）</translation>
    </message>
    <message>
        <source>**Attached: {name}** ({size})</source>
        <translation>**附件：{name}**（{size}）</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>Error: {error}</source>
        <translation>错误：{error}</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Interrupted: the app closed while this answer was being written.</source>
        <translation>已中断：生成此回答时应用被关闭。</translation>
    </message>
    <message>
        <source>Still being written when exported.</source>
        <translation>导出时仍在生成中。</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>The answer reached the length limit.</source>
        <translation>回答已达到长度上限。</translation>
    </message>
</context>
<context>
    <name>ToolCallPanel</name>
    <message>
        <source>(no name)</source>
        <translation>（无名称）</translation>
    </message>
    <message>
        <source>The model tried to call {count} tools</source>
        <translation>模型尝试调用 {count} 个工具</translation>
    </message>
    <message>
        <source>The model tried to call a tool</source>
        <translation>模型尝试调用工具</translation>
    </message>
    <message>
        <source>This app runs no tools: nothing was called. Click to see what the model asked for.</source>
        <translation>本应用不运行任何工具：什么也没有调用。点击查看模型请求了什么。</translation>
    </message>
</context>
<context>
    <name>VersionSwitcher</name>
    <message>
        <source>Previous version</source>
        <translation>上一版本</translation>
    </message>
    <message>
        <source>Version {0} of {1}</source>
        <translation>第 {0} 版，共 {1} 版</translation>
    </message>
    <message>
        <source>Next version</source>
        <translation>下一版本</translation>
    </message>
</context>
<context>
    <name>_EmptyState</name>
    <message>
        <source>How can I help you today?</source>
        <translation>今天有什么可以帮到你？</translation>
    </message>
    <message>
        <source>Choose a model to download…</source>
        <translation>选择要下载的模型…</translation>
    </message>
    <message>
        <source>Welcome to DeepSeek Local</source>
        <translation>欢迎使用 DeepSeek Local</translation>
    </message>
    <message>
        <source>Chat with DeepSeek models that run entirely on this computer: your conversations never leave it. DeepSeek-R1 reasons step by step before it answers; the smaller R1 distills run on laptops, the full 671B models on big machines. Pick one that fits this machine to get started.</source>
        <translation>与完全在这台电脑上运行的 DeepSeek 模型对话：你的对话内容永远不会离开本机。DeepSeek-R1 会先逐步思考再作答；较小的 R1 蒸馏模型可在笔记本电脑上运行，完整的 671B 模型则需要大型机器。选择一个适合本机的模型即可开始。</translation>
    </message>
</context>
</TS>
