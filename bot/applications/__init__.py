"""Domain applications (三、注册、注销流程): the filled form, the approval chain, the registry follow-up."""
