namespace R2Sync.Engine.Configuration;

/// <summary>A secret string that never prints itself: ToString, formatting and serializers see a mask.</summary>
public sealed class Secret
{
    private readonly string _value;
    public Secret(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));
    /// <summary>The plain value, for the one place that signs requests.</summary>
    public string Reveal() => _value;
    public bool IsEmpty => _value.Length == 0;
    public override string ToString() => Mask(_value);
    public static string Mask(string? value) => string.IsNullOrEmpty(value) ? "" : "********";
}
